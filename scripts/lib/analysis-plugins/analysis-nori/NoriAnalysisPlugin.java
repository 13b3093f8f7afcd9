package magpie.analysis.nori;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.ko.KoreanAnalyzer;
import org.apache.lucene.analysis.ko.KoreanPartOfSpeechStopFilter;
import org.apache.lucene.analysis.ko.KoreanReadingFormFilter;
import org.apache.lucene.analysis.ko.KoreanTokenizer;
import org.apache.lucene.analysis.ko.POS;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.analysis.AbstractIndexAnalyzerProvider;
import org.opensearch.index.analysis.AbstractTokenFilterFactory;
import org.opensearch.index.analysis.AbstractTokenizerFactory;
import org.opensearch.index.analysis.AnalyzerProvider;
import org.opensearch.index.analysis.TokenFilterFactory;
import org.opensearch.index.analysis.TokenizerFactory;
import org.opensearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.opensearch.plugins.AnalysisPlugin;
import org.opensearch.plugins.Plugin;

/**
 * Korean morphological analysis (Lucene's Nori with the mecab-ko-dic dictionary), under the names of
 * OpenSearch's analysis-nori: nori_tokenizer, nori_part_of_speech, nori_readingform and the nori
 * analyzer. Not here: user dictionaries, nori_number.
 */
public class NoriAnalysisPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of("nori_tokenizer", NoriTokenizerFactory::new);
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of("nori_part_of_speech", PartOfSpeechFactory::new, "nori_readingform", ReadingFormFactory::new);
    }

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends org.apache.lucene.analysis.Analyzer>>> getAnalyzers() {
        return Map.of("nori", NoriAnalyzerProvider::new);
    }

    /** decompound_mode: discard (default: compounds are replaced by their parts), none or mixed (both). */
    static KoreanTokenizer.DecompoundMode decompoundMode(Settings settings) {
        String mode = settings.get("decompound_mode", KoreanTokenizer.DEFAULT_DECOMPOUND.name());
        return KoreanTokenizer.DecompoundMode.valueOf(mode.toUpperCase(Locale.ROOT));
    }

    /** stoptags: POS tag names such as "E", "J", "SP"; default: Lucene's (endings, particles, symbols…). */
    static Set<POS.Tag> stopTags(Settings settings) {
        var names = settings.getAsList("stoptags", null);
        if (names == null) return KoreanPartOfSpeechStopFilter.DEFAULT_STOP_TAGS;
        Set<POS.Tag> tags = new HashSet<>();
        for (String tag : names) tags.add(POS.resolveTag(tag));
        return tags;
    }

    static final class NoriTokenizerFactory extends AbstractTokenizerFactory {
        private final KoreanTokenizer.DecompoundMode mode;
        private final boolean discardPunctuation;

        NoriTokenizerFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, settings, name);
            mode = decompoundMode(settings);
            discardPunctuation = settings.getAsBoolean("discard_punctuation", true);
        }

        @Override
        public Tokenizer create() {
            return new KoreanTokenizer(KoreanTokenizer.DEFAULT_TOKEN_ATTRIBUTE_FACTORY, null, mode, false, discardPunctuation);
        }
    }

    static final class PartOfSpeechFactory extends AbstractTokenFilterFactory {
        private final Set<POS.Tag> stopTags;

        PartOfSpeechFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
            stopTags = stopTags(settings);
        }

        @Override
        public TokenStream create(TokenStream input) {
            return new KoreanPartOfSpeechStopFilter(input, stopTags);
        }
    }

    /** Hanja to their Hangul reading. */
    static final class ReadingFormFactory extends AbstractTokenFilterFactory {
        ReadingFormFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
        }

        @Override
        public TokenStream create(TokenStream input) {
            return new KoreanReadingFormFilter(input);
        }
    }

    /** Lucene's KoreanAnalyzer: the tokenizer + part-of-speech stop filter, reading form, lowercase. */
    static final class NoriAnalyzerProvider extends AbstractIndexAnalyzerProvider<KoreanAnalyzer> {
        private final KoreanAnalyzer analyzer;

        NoriAnalyzerProvider(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
            analyzer = new KoreanAnalyzer(null, decompoundMode(settings), stopTags(settings), false);
        }

        @Override
        public KoreanAnalyzer get() {
            return analyzer;
        }
    }
}
