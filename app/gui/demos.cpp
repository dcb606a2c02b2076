#include "demos.hpp"

#include "f3/names.hpp"

namespace f3::gui {
namespace {

RunSetup toy(const char* source, std::vector<HiddenLayerSpec> hidden, const char* rules, double lr, int epochs, int batch = 32) {
    RunSetup s;
    s.dataset.source = source;
    s.dataset.toy.size = 1000;
    s.dataset.toy.noise = 0.1;
    s.training.hidden = std::move(hidden);
    for (const QString& r : QString(rules).split(',')) s.training.rules.push_back(parse_rule(r.toStdString()));
    s.training.optimizer.learning_rate = lr;
    s.training.batch_size = batch;
    s.training.epochs = epochs;
    s.training.threads = 2;
    s.instruments.alignment = true;
    s.instruments.timeline = true;
    s.instruments.every_steps = 5;
    return s;
}

} // namespace

QStringList demo_names() { return {"default", "xor", "sine", "timeline", "fashion-mnist"}; }

std::optional<RunSetup> demo(const QString& name) {
    const Activation tanh = Activation::Tanh;
    if (name == "default") return toy("spiral", {{64, tanh}, {64, tanh}}, "bp,fa,dfa,drtp,f3,shallow", 0.01, 40);
    if (name == "xor") return toy("xor", {{16, tanh}}, "bp,dfa,f3,shallow", 0.02, 30);
    if (name == "sine") {
        RunSetup s = toy("sine", {{32, tanh}, {32, tanh}}, "bp,dfa,drtp,f3", 0.01, 40);
        s.training.head = Head::LinearMse;
        return s;
    }
    if (name == "timeline") return toy("moons", {{64, tanh}, {64, tanh}, {64, tanh}}, "bp,fa,dfa,drtp,f3", 0.005, 20);
    if (name == "fashion-mnist") {
        // The paper's setup on a 10,000-sample slice so a demonstration finishes while one talks.
        RunSetup s = toy("fashion-mnist", {{500, tanh}}, "bp,dfa,drtp,f3,shallow", 1.5e-4, 2, 50);
        s.train_limit = 10000;
        s.instruments.every_steps = 20;
        return s;
    }
    return std::nullopt;
}

} // namespace f3::gui
