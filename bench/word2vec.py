"""word2vec against gensim on Shakespeare: the same corpus and settings (skip-gram, 100-d, window 5, 5 noise
words, min_count 5, sample 1e-3, 5 epochs), one thread each (gensim workers=1, BLAS 1 thread), run in turn.

Prints JSON: per seed, each side's wall time, words/s (corpus words x epochs / wall time), WordSim-353 Spearman
and analogy accuracy (gensim's own test files, read from its installed package: benchmark only); the means over
the seeds, and hackgrad/gensim speed ratio (median of per-seed ratios).
Run: .venv/bin/python bench/word2vec.py [--seeds 3] [--limit N sentences]
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _common import limit_threads  # noqa: E402

limit_threads(1)

from hackgrad.data import shakespeare_sentences  # noqa: E402
from hackgrad.models.word2vec import Word2Vec  # noqa: E402

SETTINGS = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5, sg=1)


def score(spearman, oov_ratio, accuracy, questions):
    return {"spearman": round(float(spearman), 4), "oov_ratio": round(float(oov_ratio), 3),
            "analogy_accuracy": round(float(accuracy), 4), "analogy_questions": int(questions)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="use the first N speeches only")
    args = parser.parse_args()
    sentences = shakespeare_sentences()[: args.limit]
    n_words = sum(map(len, sentences))
    try:
        import gensim
        from gensim.test.utils import datapath
    except ImportError:
        print(json.dumps({"note": "gensim is not installed (pip install gensim==4.4.0): nothing to compare against"}))
        return
    wordsim, questions = datapath("wordsim353.tsv"), datapath("questions-words.txt")
    runs = []
    for seed in range(1, args.seeds + 1):
        t0 = time.perf_counter()
        g = gensim.models.Word2Vec(sentences, workers=1, seed=seed, **SETTINGS)
        g_time = time.perf_counter() - t0
        t0 = time.perf_counter()
        m = Word2Vec(seed=seed, **SETTINGS).fit(sentences)
        m_time = time.perf_counter() - t0

        g_pairs, g_analogies = g.wv.evaluate_word_pairs(wordsim), g.wv.evaluate_word_analogies(questions)
        m_pairs, m_analogies = m.evaluate_word_pairs(wordsim), m.evaluate_analogies(questions)
        g_total = len(g_analogies[1][-1]["correct"]) + len(g_analogies[1][-1]["incorrect"])
        runs.append({
            "seed": seed,
            "gensim": {"seconds": round(g_time, 2), "words_per_s": round(n_words * SETTINGS["epochs"] / g_time),
                       **score(g_pairs[1][0], g_pairs[2] / 100, g_analogies[0], g_total)},
            "hackgrad": {"seconds": round(m_time, 2), "words_per_s": round(n_words * SETTINGS["epochs"] / m_time),
                         **score(m_pairs["spearman"], m_pairs["oov_ratio"], m_analogies["accuracy"],
                                 m_analogies["total"])},
        })
        print(json.dumps(runs[-1]), file=sys.stderr, flush=True)

    def mean(side, key):
        return round(statistics.mean(r[side][key] for r in runs), 4)

    result = {
        "workload": f"Shakespeare, {len(sentences)} speeches, {n_words} words; {SETTINGS}; 1 thread each",
        "load_average_1min": round(os.getloadavg()[0], 2),
        "runs": runs,
        "mean": {side: {k: mean(side, k) for k in ("words_per_s", "spearman", "analogy_accuracy")}
                 for side in ("gensim", "hackgrad")},
        "hackgrad_over_gensim_speed": round(statistics.median(
            r["hackgrad"]["words_per_s"] / r["gensim"]["words_per_s"] for r in runs), 3),
        "goals": {"speed_ratio_at_least": 0.5, "stretch": 1.0, "quality": "mean Spearman and analogy >= gensim's"},
    }
    result["goal_quality_met"] = (result["mean"]["hackgrad"]["spearman"] >= result["mean"]["gensim"]["spearman"]
                                  and result["mean"]["hackgrad"]["analogy_accuracy"]
                                  >= result["mean"]["gensim"]["analogy_accuracy"])
    result["goal_speed_met"] = result["hackgrad_over_gensim_speed"] >= 0.5
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
