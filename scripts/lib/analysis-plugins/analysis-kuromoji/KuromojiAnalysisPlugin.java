package magpie.analysis.kuromoji;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.ja.JapaneseAnalyzer;
import org.apache.lucene.analysis.ja.JapaneseBaseFormFilter;
import org.apache.lucene.analysis.ja.JapaneseKatakanaStemFilter;
import org.apache.lucene.analysis.ja.JapanesePartOfSpeechStopFilter;
import org.apache.lucene.analysis.ja.JapaneseReadingFormFilter;
import org.apache.lucene.analysis.ja.JapaneseTokenizer;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.analysis.AbstractIndexAnalyzerProvider;
import org.opensearch.index.analysis.AbstractTokenFilterFactory;
import org.opensearch.index.analysis.AbstractTokenizerFactory;
import org.opensearch.index.analysis.Analysis;
import org.opensearch.index.analysis.AnalyzerProvider;
import org.opensearch.index.analysis.TokenFilterFactory;
import org.opensearch.index.analysis.TokenizerFactory;
import org.opensearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.opensearch.plugins.AnalysisPlugin;
import org.opensearch.plugins.Plugin;

/**
 * Japanese morphological analysis (Lucene's Kuromoji with the IPADIC dictionary), under the names of
 * OpenSearch's analysis-kuromoji: kuromoji_tokenizer, kuromoji_baseform, kuromoji_part_of_speech,
 * kuromoji_readingform, kuromoji_stemmer, ja_stop and the kuromoji analyzer. Not here: user
 * dictionaries, kuromoji_iteration_mark, kuromoji_number, kuromoji_completion.
 */
public class KuromojiAnalysisPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of("kuromoji_tokenizer", KuromojiTokenizerFactory::new);
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "kuromoji_baseform", BaseFormFactory::new,
            "kuromoji_part_of_speech", PartOfSpeechFactory::new,
            "kuromoji_readingform", ReadingFormFactory::new,
            "kuromoji_stemmer", KatakanaStemmerFactory::new,
            "ja_stop", JapaneseStopFactory::new
        );
    }

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends org.apache.lucene.analysis.Analyzer>>> getAnalyzers() {
        return Map.of("kuromoji", KuromojiAnalyzerProvider::new);
    }

    /** mode: search (default; also emits the parts of long compounds), normal or extended. */
    static JapaneseTokenizer.Mode mode(Settings settings) {
        return JapaneseTokenizer.Mode.valueOf(settings.get("mode", "search").toUpperCase(Locale.ROOT));
    }

    /** stopwords: a list, or "_japanese_" (the default: Lucene's Japanese stop set). */
    static CharArraySet stopWords(Environment env, Settings settings) {
        CharArraySet defaults = JapaneseAnalyzer.getDefaultStopSet();
        return Analysis.parseWords(env, settings, "stopwords", defaults, Map.of("_japanese_", defaults), false);
    }

    static final class KuromojiTokenizerFactory extends AbstractTokenizerFactory {
        private final JapaneseTokenizer.Mode mode;
        private final boolean discardPunctuation;
        private final boolean discardCompoundToken;

        KuromojiTokenizerFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, settings, name);
            mode = mode(settings);
            discardPunctuation = settings.getAsBoolean("discard_punctuation", true);
            discardCompoundToken = settings.getAsBoolean("discard_compound_token", false);
        }

        @Override
        public Tokenizer create() {
            return new JapaneseTokenizer(null, discardPunctuation, discardCompoundToken, mode);
        }
    }

    /** Inflected verbs and adjectives to their dictionary form: 住んで → 住む. */
    static final class BaseFormFactory extends AbstractTokenFilterFactory {
        BaseFormFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
        }

        @Override
        public TokenStream create(TokenStream input) {
            return new JapaneseBaseFormFilter(input);
        }
    }

    /** Drops tokens by part of speech (stoptags; default: particles, auxiliary verbs, punctuation…). */
    static final class PartOfSpeechFactory extends AbstractTokenFilterFactory {
        private final Set<String> stopTags;

        PartOfSpeechFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
            var tags = settings.getAsList("stoptags", null);
            stopTags = tags == null ? JapaneseAnalyzer.getDefaultStopTags() : new HashSet<>(tags);
        }

        @Override
        public TokenStream create(TokenStream input) {
            return new JapanesePartOfSpeechStopFilter(input, stopTags);
        }
    }

    /** Replaces a token by its reading, in katakana or (use_romaji) romaji. */
    static final class ReadingFormFactory extends AbstractTokenFilterFactory {
        private final boolean useRomaji;

        ReadingFormFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
            useRomaji = settings.getAsBoolean("use_romaji", false);
        }

        @Override
        public TokenStream create(TokenStream input) {
            return new JapaneseReadingFormFilter(input, useRomaji);
        }
    }

    /** Strips the trailing prolonged sound mark of long katakana words: コンピューター → コンピュータ. */
    static final class KatakanaStemmerFactory extends AbstractTokenFilterFactory {
        private final int minimumLength;

        KatakanaStemmerFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
            minimumLength = settings.getAsInt("minimum_length", JapaneseKatakanaStemFilter.DEFAULT_MINIMUM_LENGTH);
        }

        @Override
        public TokenStream create(TokenStream input) {
            return new JapaneseKatakanaStemFilter(input, minimumLength);
        }
    }

    static final class JapaneseStopFactory extends AbstractTokenFilterFactory {
        private final CharArraySet stopWords;

        JapaneseStopFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
            stopWords = stopWords(env, settings);
        }

        @Override
        public TokenStream create(TokenStream input) {
            return new StopFilter(input, stopWords);
        }
    }

    /** Lucene's JapaneseAnalyzer: the tokenizer + base form, part-of-speech and stop filters, CJK width, katakana stemming, lowercase. */
    static final class KuromojiAnalyzerProvider extends AbstractIndexAnalyzerProvider<JapaneseAnalyzer> {
        private final JapaneseAnalyzer analyzer;

        KuromojiAnalyzerProvider(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
            analyzer = new JapaneseAnalyzer(null, mode(settings), stopWords(env, settings), JapaneseAnalyzer.getDefaultStopTags());
        }

        @Override
        public JapaneseAnalyzer get() {
            return analyzer;
        }
    }
}
