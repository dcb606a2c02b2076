// Fidelity against the PyTorch yardsticks (shared/reference/README.md). Seeds and initial weights
// differ between implementations, so agreement is expected in distribution, not digit for digit.
// Both train on one thread: Eigen's parallel products wait for each other by spinning, so with two
// threads on a 2-core machine that another job keeps busy, the transformer run took 793 s instead
// of 92 s. The thread count changes the order of sums and so the numbers; those quoted below are
// of one thread, Release build, on the development machine.
#include "f3/train/comparison.hpp"
#include "f3/io/names.hpp"

#include <QtTest>
#include <map>
#include <vector>

using namespace f3;

class TestFidelity : public QObject {
    Q_OBJECT
private slots:
    // Fashion-MNIST, 784-500-10, tanh, sigmoid+BCE, Adam 1.5e-4, batch 50, 2 epochs, kaiming feedback:
    // agreement to about ±1.5 points (measured: BP +0.41, DFA -0.13, DRTP -0.34, F3 +0.06, shallow -0.28).
    void fashion_mnist_matches_pytorch_reference() {
        // Test accuracy after epoch 2 from the reference table.
        const std::map<std::string, double> reference = {
            {"bp", 0.8466}, {"dfa", 0.8369}, {"drtp", 0.8194}, {"f3", 0.8210}, {"shallow", 0.7753}};
        auto data = std::make_shared<const Dataset>(load_idx_folder(kFashionMnistFolder));
        TrainingConfig config;
        config.hidden = {{500, Activation::Tanh}};
        for (const auto& [rule, accuracy] : reference) config.rules.push_back(parse_rule(rule));
        config.optimizer.learning_rate = 1.5e-4;
        config.batch_size = 50;
        config.epochs = 2;
        config.seed = 1;
        config.threads = 1;
        Comparison comparison(data, config);
        comparison.run();
        for (const auto& m : comparison.history()) {
            if (m.epoch != 2) continue;
            const double expected = reference.at(m.rule);
            qInfo("%-8s test accuracy %.4f (PyTorch %.4f, difference %+.2f points)", m.rule.c_str(), m.test_accuracy,
                  expected, 100.0 * (m.test_accuracy - expected));
            QVERIFY2(std::abs(m.test_accuracy - expected) <= 0.015, m.rule.c_str());
        }
    }

    // The vision transformer at the reference size (torch_vit_ref.py defaults): 2 epochs on the first
    // 20,000 training images, all test images, batch 100, Adam 1e-3, trinomial feedback, softmax +
    // cross-entropy. F3's error is y - softmax(logits): with the softmax head that is delayed_error.
    // Single seeds scatter by about ±3 points (DRTP: 0.688 to 0.760 in PyTorch), so means over six
    // seeds are compared, within 2.5 points: three seeds left DRTP's mean 4 points below PyTorch's
    // in both of our kernel builds. Over six, with one thread: BP -0.08, DFA -0.26, DRTP -2.14
    // (seeds from 0.661 to 0.737), F3 -0.48, shallow -0.28: the same in a CI run on a busy machine
    // and alone (2026-12-06). The reference means are of seeds 1-3 in shared/reference/README.md
    // and seeds 4-6 measured with `torch_vit_ref.py --mode RULE --epochs 2 --train-limit 20000
    // --seed S` on the same machine.
    void vision_transformer_matches_pytorch_reference() {
        const std::map<std::string, double> reference = {
            {"bp", 0.8386}, {"dfa", 0.8215}, {"drtp", 0.7146}, {"f3", 0.7435}, {"shallow", 0.7616}};
        const std::vector<std::uint64_t> seeds = {1, 2, 3, 4, 5, 6};
        Dataset fashion = load_idx_folder(kFashionMnistFolder);
        limit_train(fashion, 20000);
        auto data = std::make_shared<const Dataset>(std::move(fashion));
        TrainingConfig config;
        config.architecture = Architecture::Transformer; // TransformerSpec's defaults: the reference size
        config.head = Head::SoftmaxCe;
        for (const auto& [rule, accuracy] : reference) config.rules.push_back(parse_rule(rule));
        config.feedback_init = FeedbackInit::Trinomial;
        config.optimizer.learning_rate = 1e-3;
        config.batch_size = 100;
        config.epochs = 2;
        config.threads = 1;
        std::map<std::string, double> sum;
        for (const std::uint64_t seed : seeds) {
            config.seed = seed;
            Comparison comparison(data, config);
            comparison.run();
            for (const auto& m : comparison.history())
                if (m.epoch == 2) {
                    qInfo("seed %d %-8s test accuracy %.4f", static_cast<int>(seed), m.rule.c_str(), m.test_accuracy);
                    sum[m.rule] += m.test_accuracy;
                }
        }
        for (const auto& [rule, expected] : reference) {
            const double mean = sum.at(rule) / static_cast<double>(seeds.size());
            qInfo("%-8s mean test accuracy %.4f (PyTorch %.4f, difference %+.2f points)", rule.c_str(), mean, expected,
                  100.0 * (mean - expected));
            QVERIFY2(std::abs(mean - expected) <= 0.025, rule.c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestFidelity)
#include "tst_fidelity.moc"
