package magpie.analysis.smartcn;

import java.util.Map;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.cn.smart.HMMChineseTokenizer;
import org.apache.lucene.analysis.cn.smart.SmartChineseAnalyzer;
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
 * Simplified Chinese word segmentation (Lucene's SmartCN, a hidden Markov model over a word
 * dictionary), under the names of OpenSearch's analysis-smartcn: smartcn_tokenizer, smartcn_stop and
 * the smartcn analyzer.
 */
public class SmartcnAnalysisPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return Map.of("smartcn_tokenizer", SmartcnTokenizerFactory::new);
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of("smartcn_stop", SmartcnStopFactory::new);
    }

    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends org.apache.lucene.analysis.Analyzer>>> getAnalyzers() {
        return Map.of("smartcn", SmartcnAnalyzerProvider::new);
    }

    static final class SmartcnTokenizerFactory extends AbstractTokenizerFactory {
        SmartcnTokenizerFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, settings, name);
        }

        @Override
        public Tokenizer create() {
            return new HMMChineseTokenizer();
        }
    }

    /** The tokenizer emits punctuation as tokens; this drops it (stopwords default "_smartcn_": punctuation). */
    static final class SmartcnStopFactory extends AbstractTokenFilterFactory {
        private final CharArraySet stopWords;

        SmartcnStopFactory(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
            CharArraySet defaults = SmartChineseAnalyzer.getDefaultStopSet();
            stopWords = Analysis.parseWords(env, settings, "stopwords", defaults, Map.of("_smartcn_", defaults), false);
        }

        @Override
        public TokenStream create(TokenStream input) {
            return new StopFilter(input, stopWords);
        }
    }

    /** Lucene's SmartChineseAnalyzer: the tokenizer, Porter stemming of Latin words, the stop set. */
    static final class SmartcnAnalyzerProvider extends AbstractIndexAnalyzerProvider<SmartChineseAnalyzer> {
        private final SmartChineseAnalyzer analyzer = new SmartChineseAnalyzer();

        SmartcnAnalyzerProvider(IndexSettings indexSettings, Environment env, String name, Settings settings) {
            super(indexSettings, name, settings);
        }

        @Override
        public SmartChineseAnalyzer get() {
            return analyzer;
        }
    }
}
