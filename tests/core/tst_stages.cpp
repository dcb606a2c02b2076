// Stages and the rule registry: what every stage kind and every rule must guarantee to the rest of
// the core (the optimizer, instruments, timeline and GUI rely on these).
#include "f3/io/names.hpp"
#include "f3/nn/dense_stage.hpp"
#include "f3/nn/network.hpp"
#include "f3/rules/rule.hpp"

#include <QtTest>

#include <set>

using namespace f3;

class TestStages : public QObject {
    Q_OBJECT
private slots:
    void dense_stage_computes_its_documented_forward() {
        Rng rng(2);
        const DenseStage stage(3, 2, Activation::Tanh, rng);
        Matrix x(2, 3);
        x << 0.5f, -1.0f, 2.0f, 0.0f, 0.25f, -0.75f;
        StageCache cache;
        stage.forward(x, cache);
        const Matrix expected = ((x * stage.weight().transpose()).rowwise() + stage.bias()).array().tanh();
        QVERIFY(cache.output.isApprox(expected, 1e-6f));
        QCOMPARE(cache.output.rows(), Index{2});
        QCOMPARE(cache.output.cols(), Index{stage.outputs()});
    }

    void parameters_and_gradients_line_up() {
        Rng rng(4);
        const Network net = Network::initialise(5, {{7, Activation::Relu}}, 3, Head::SoftmaxCe, rng);
        Matrix x = Matrix::Random(4, 5), y = Matrix::Zero(4, 3);
        for (Index r = 0; r < 4; ++r) y(r, r % 3) = 1.0f;
        ForwardPass pass;
        net.forward(x, pass);
        Gradients g;
        compute_gradients(net, reference_rule(), FeedbackMatrices{}, {x, y, pass, net.head(), {}, 0}, g);
        for (int s = 0; s < net.stage_count(); ++s) {
            const auto parameters = net.stage(s).parameters();
            QCOMPARE(g.stages[static_cast<std::size_t>(s)].tensors.size(), parameters.size());
            for (std::size_t k = 0; k < parameters.size(); ++k) {
                QCOMPARE(g.stages[static_cast<std::size_t>(s)].tensors[k].rows(), parameters[k].rows);
                QCOMPARE(g.stages[static_cast<std::size_t>(s)].tensors[k].cols(), parameters[k].cols);
            }
        }
    }

    void copying_a_network_copies_its_stages() {
        Rng rng(5);
        const Network original = Network::initialise(2, {{4, Activation::Tanh}}, 2, Head::SigmoidBce, rng);
        Network copy = original;
        const float before = original.stage(0).parameters()[0].data[0];
        copy.stage(0).parameters()[0].data[0] += 1.0f;
        QCOMPARE(original.stage(0).parameters()[0].data[0], before);
        QVERIFY(copy.stage(0).parameters()[0].data != original.stage(0).parameters()[0].data);
    }

    // The count the app uses to refuse huge transformers before building them is the built one's.
    void transformer_parameter_count_matches_the_built_network() {
        for (const TransformerSpec& spec : {TransformerSpec{}, TransformerSpec{4, 98, 4, 2, 8, 32, Activation::Relu},
                                            TransformerSpec{14, 8, 2, 1, 3, 5, Activation::Tanh}}) {
            Rng rng(1);
            const Network net = Network::vision_transformer(784, spec, 10, Head::SoftmaxCe, rng);
            double built = 0.0;
            for (int s = 0; s < net.stage_count(); ++s)
                for (const Parameter& p : net.stage(s).parameters()) built += static_cast<double>(p.size());
            QCOMPARE(Network::vision_transformer_parameters(784, spec, 10), built);
        }
    }

    // Two samples of three tokens of two features: rows (s0 t0, s0 t1, s0 t2, s1 t0, ...).
    void token_rows_reshape_without_copying() {
        Matrix batch(2, 6);
        batch << 0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15;
        const auto tokens = token_rows(std::as_const(batch), 3);
        QCOMPARE(tokens.rows(), Index{6});
        QCOMPARE(tokens.cols(), Index{2});
        QCOMPARE(tokens.data(), batch.data());
        QCOMPARE(tokens(2, 1), 5.0f);  // sample 0, token 2, feature 1
        QCOMPARE(tokens(4, 0), 12.0f); // sample 1, token 1, feature 0
    }

    void every_registered_rule_is_complete_and_consistent() {
        std::set<std::string> names;
        for (const RuleEntry* entry : all_rules()) {
            const RuleInfo& info = entry->info;
            QVERIFY2(names.insert(info.name).second, info.name.c_str());
            QVERIFY(!info.title.empty());
            QVERIFY(info.explanation.size() > 40);
            QCOMPARE(to_string(parse_rule(info.name)), info.name);
            const RuleTraits& t = info.traits;
            // The timeline and instruments rely on these: a weight stand-in only exists in a chain,
            // an error known before the step is projected (no chain), and stored errors are such.
            if (t.replaces_weights) QVERIFY(t.chains_backward);
            if (t.error_before_step) QVERIFY(!t.chains_backward);
            if (t.stores_error) QVERIFY(t.error_before_step);
            const auto rule = entry->make(parse_rule(info.name), Matrix::Zero(3, 2));
            QCOMPARE(rule->info().name, info.name);
        }
        QVERIFY(reference_rule().traits().true_gradient());
        QCOMPARE(std::count_if(all_rules().begin(), all_rules().end(), [](const RuleEntry* e) { return e->info.traits.true_gradient(); }), 1);
    }

    void unknown_rules_are_refused_by_name() {
        try {
            parse_rule("dfaa");
            QFAIL("no error");
        } catch (const NameError& e) {
            QVERIFY(std::string(e.what()).find("unknown algorithm 'dfaa' (valid: bp, fa, dfa, drtp, f3, shallow)") != std::string::npos);
        }
    }
};

QTEST_APPLESS_MAIN(TestStages)
#include "tst_stages.moc"
