/**
 * Which CJK analyzers apply to a text. Shared by the post transform (which language fields a
 * post fills) and the query builder (which of them a query searches), so both sides agree.
 */

/** Languages whose analyzers have their own field in the posts index. */
export type CjkLanguage = 'ja' | 'ko' | 'zh'

export const CJK_TEXT_FIELDS: Record<CjkLanguage, string> = { ja: 'text_ja', ko: 'text_ko', zh: 'text_zh' }

const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u
const HANGUL = /\p{Script=Hangul}/u
const HAN = /\p{Script=Han}/u

/**
 * What a query may be in, by script alone: kana is Japanese, Hangul Korean, Han without kana
 * Chinese or Japanese (kanji-only queries are common in Japanese too).
 */
export function queryLanguages(text: string): CjkLanguage[] {
  const found = new Set<CjkLanguage>()
  const kana = KANA.test(text)
  if (kana) found.add('ja')
  if (HANGUL.test(text)) found.add('ko')
  if (HAN.test(text) && !kana) found.add('ja').add('zh')
  return [...found]
}

/**
 * Which language fields a post fills: those its `langs` name, and those its script shows when
 * the langs leave it out (many clients tag everything with the UI language). Han without kana
 * counts as Chinese unless the post says it is Japanese. Most posts fill none.
 */
export function postLanguages(text: string, langs: string[]): CjkLanguage[] {
  const declared = new Set(langs.map((l) => l.toLowerCase().split('-')[0]))
  const found = new Set<CjkLanguage>()
  const kana = KANA.test(text)
  const hangul = HANGUL.test(text)
  const han = HAN.test(text)
  if (!kana && !hangul && !han) return []
  if (kana || (han && declared.has('ja'))) found.add('ja')
  if (hangul || (han && declared.has('ko'))) found.add('ko')
  if (han && !kana && !declared.has('ja') && !declared.has('ko')) found.add('zh')
  if (han && declared.has('zh')) found.add('zh')
  return [...found]
}
