// Fidelity against the PyTorch yardstick (shared/reference/README.md): Fashion-MNIST, 784-500-10,
// tanh, sigmoid+BCE, Adam 1.5e-4, batch 50, 2 epochs, kaiming feedback. Seeds and initial weights
// differ between implementations, so agreement is expected to about ±1.5 points.
#include "f3/train/comparison.hpp"
#include "f3/io/names.hpp"

#include <QtTest>
#include <map>

using namespace f3;

class TestFidelity : public QObject {
    Q_OBJECT
private slots:
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
        config.threads = 2;
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
};

QTEST_APPLESS_MAIN(TestFidelity)
#include "tst_fidelity.moc"
