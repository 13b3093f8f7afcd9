/**
 * Which tokens of post text can be a trending topic. The posts' `text` field is analyzed by
 * the ICU tokenizer with folding (lower case, no accents) and CJK bigrams, so a token here is
 * in that form. Significance already discounts words as common before as now, but in a quiet
 * hour a function word can look significant by chance, and pieces of links, handles, numbers
 * and emoji are never a topic anyone would tap.
 */

/** Scripts written without spaces, whose two-character bigrams are words; elsewhere tokens that short are not. */
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u
const LETTER = /\p{L}/u

export function isTopicWord(token: string): boolean {
  if (!LETTER.test(token)) return false
  // Domains, handles (mentions) and other dotted names: links and accounts, not topics.
  if (token.includes('.')) return false
  const length = [...token].length
  if (length < (UNSPACED.test(token) ? 2 : 3)) return false
  return !STOP_WORDS.has(token)
}

/**
 * Function words of the languages most posted in after Japanese (whose particles the bigrams
 * rarely leave as tokens of their own), folded as the analyzer folds them, and the words links
 * leave behind.
 */
const STOP_WORDS = new Set(
  `
  about above after again against all also and any are aren because been before being below between both but can
  cannot could did does doing don down during each even every few for from further get gets got had has have having
  her here hers herself him himself his how into its itself just let like more most much must myself nor not now off
  once only other ought our ours out over own really same she should some such than that the their theirs them then
  there these they this those through too under until very was way were what when where which while who whom why will
  with would yes yet you your yours yourself still gonna
  http https www com org net html amp
  que para com uma por mais como mas foi ele ela seu sua isso esse essa este esta nao sim tem ter ser estar sao
  pelo pela dos das nos nas tambem muito ainda quando onde vai vou ja sobre entre depois sem meu minha voce voces
  eles elas aqui agora tudo nada bem
  los las del una unos unas por para con sin sobre pero mas como este esta estos estas ese esa eso muy tambien
  cuando donde porque hay ser estar fue son era mis tus sus nuestro nuestra todo todos todas nada algo ahora aqui
  der die das und ist nicht ein eine einen einem einer den dem des mit auf fur von sich auch als wie was wir ihr
  sie ich bei aus nach noch nur oder aber wenn dann schon mal sein hat haben wird werden kann doch jetzt hier
  les des une est pas que qui pour dans sur avec par plus mais comme tout tous toute elle ils nous vous leur sont
  etait ont fait faire cette ces son ses mon mes ton tes aux deja encore tres bien ici
`
    .trim()
    .split(/\s+/),
)
