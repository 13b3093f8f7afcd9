package magpie.analysis.icu;

import com.ibm.icu.text.FilteredNormalizer2;
import com.ibm.icu.text.Normalizer2;
import com.ibm.icu.text.UnicodeSet;
import java.io.Reader;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.icu.ICUFoldingFilter;
import org.apache.lucene.analysis.icu.ICUNormalizer2CharFilter;
import org.apache.lucene.analysis.icu.ICUNormalizer2Filter;
import org.apache.lucene.analysis.icu.segmentation.DefaultICUTokenizerConfig;
import org.apache.lucene.analysis.icu.segmentation.ICUTokenizer;
import org.apache.lucene.analysis.icu.segmentation.ICUTokenizerConfig;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.index.IndexSettings;
import org.opensearch.index.analysis.AbstractCharFilterFactory;
import org.opensearch.index.analysis.AbstractTokenFilterFactory;
import org.opensearch.index.analysis.AbstractTokenizerFactory;
import org.opensearch.index.analysis.CharFilterFactory;
import org.opensearch.index.analysis.NormalizingCharFilterFactory;
import org.opensearch.index.analysis.NormalizingTokenFilterFactory;
import org.opensearch.index.analysis.TokenFilterFactory;
import org.opensearch.index.analysis.TokenizerFactory;
import org.opensearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.opensearch.plugins.AnalysisPlugin;
import org.opensearch.plugins.Plugin;

/**
 * The part of OpenSearch's analysis-icu that Magpie uses, under the upstream names so that index
 * settings stay portable to a stock install: icu_tokenizer, icu_folding, icu_normalizer (token
 * filter and char filter). Not here: icu_collation, icu_transform, icu_collation_keyword and the
 * tokenizer's rule_files.
 */
public class IcuAnalysisPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of("icu_tokenizer", IcuTokenizerFactory::new);
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of("icu_folding", IcuFoldingFactory::new, "icu_normalizer", IcuNormalizerFactory::new);
    }

    @Override
    public Map<String, AnalysisProvider<CharFilterFactory>> getCharFilters() {
        return Map.of("icu_normalizer", IcuNormalizerCharFilterFactory::new);
    }

    /** UAX #29 word breaks plus dictionary segmentation for Thai, Lao, Khmer, Myanmar and CJK. */
    static final class IcuTokenizerFactory extends AbstractTokenizerFactory {
        // cjkAsWords: Han/kana runs are split into dictionary words, not single characters;
        // myanmarAsWords: Myanmar into dictionary words, not syllables. Both as upstream.
        private static final ICUTokenizerConfig CONFIG = new DefaultICUTokenizerConfig(true, true);

        IcuTokenizerFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, settings, name);
        }

        @Override
        public Tokenizer create() {
            return new ICUTokenizer(CONFIG);
        }
    }

    /** Case folding plus accent/width/compatibility folding (UTR #30): "Ångström" → "angstrom". */
    static final class IcuFoldingFactory extends AbstractTokenFilterFactory implements NormalizingTokenFilterFactory {
        private final Normalizer2 normalizer;

        IcuFoldingFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
            normalizer = restrictTo(ICUFoldingFilter.NORMALIZER, settings);
        }

        @Override
        public TokenStream create(TokenStream input) {
            return new ICUFoldingFilter(input, normalizer);
        }
    }

    /** Unicode normalization of tokens; nfkc_cf (compatibility composition + case folding) by default. */
    static final class IcuNormalizerFactory extends AbstractTokenFilterFactory implements NormalizingTokenFilterFactory {
        private final Normalizer2 normalizer;

        IcuNormalizerFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
            normalizer = normalizer(settings);
        }

        @Override
        public TokenStream create(TokenStream input) {
            return new ICUNormalizer2Filter(input, normalizer);
        }
    }

    /** The same normalization before tokenizing, so the tokenizer sees e.g. half-width katakana as full-width. */
    static final class IcuNormalizerCharFilterFactory extends AbstractCharFilterFactory implements NormalizingCharFilterFactory {
        private final Normalizer2 normalizer;

        IcuNormalizerCharFilterFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name);
            normalizer = normalizer(settings);
        }

        @Override
        public Reader create(Reader reader) {
            return new ICUNormalizer2CharFilter(reader, normalizer);
        }
    }

    /** Upstream's settings: name = nfc | nfkc | nfkc_cf, mode = compose | decompose. */
    static Normalizer2 normalizer(Settings settings) {
        String name = settings.get("name", "nfkc_cf");
        Normalizer2.Mode mode = Normalizer2.Mode.valueOf(settings.get("mode", "compose").toUpperCase(Locale.ROOT));
        return restrictTo(Normalizer2.getInstance(null, name, mode), settings);
    }

    /** unicode_set_filter (e.g. "[^åäöÅÄÖ]") limits which characters are touched, as upstream. */
    static Normalizer2 restrictTo(Normalizer2 normalizer, Settings settings) {
        String set = settings.get("unicode_set_filter");
        return set == null ? normalizer : new FilteredNormalizer2(normalizer, new UnicodeSet(set).freeze());
    }
}
