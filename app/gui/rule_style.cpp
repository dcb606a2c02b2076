#include "rule_style.hpp"

#include <QHash>
#include <QObject>

namespace f3::gui {

QColor rule_colour(const QString& rule) {
    // Okabe-Ito palette: distinguishable for colour-blind viewers and on washed-out projectors.
    static const QHash<QString, QColor> base = {
        {"bp", QColor(0, 0, 0)},          {"fa", QColor(230, 159, 0)},   {"dfa", QColor(0, 158, 115)},
        {"drtp", QColor(86, 180, 233)},   {"f3", QColor(213, 94, 0)},    {"shallow", QColor(115, 115, 115)}};
    const QString algorithm = rule.section(':', 0, 0);
    QColor colour = base.value(algorithm, QColor(204, 121, 167));
    if (rule.contains(':')) {
        // F3 variants: the F3 hue, shifted per variant so several can be compared side by side.
        const int shift = static_cast<int>(qHash(rule.section(':', 1)) % 5) * 25 - 50;
        colour = QColor::fromHsv((colour.hsvHue() + shift + 360) % 360, colour.hsvSaturation(), colour.value());
    }
    return colour;
}

QString rule_title(const QString& rule) {
    static const QHash<QString, QString> names = {{"bp", "BP"},     {"fa", "FA"},   {"dfa", "DFA"},
                                                  {"drtp", "DRTP"}, {"f3", "F³"}, {"shallow", "Shallow"}};
    const QString algorithm = rule.section(':', 0, 0);
    QString title = names.value(algorithm, rule);
    if (rule.contains(':')) title += " (" + rule.section(':', 1).replace('_', ' ') + ")";
    return title;
}

QString rule_explanation(const QString& rule) {
    const QString algorithm = rule.section(':', 0, 0);
    if (algorithm == "bp") return QObject::tr("Backpropagation: the true gradient flows back through every layer's transposed weights. "
                                              "The reference every other rule is measured against (0° alignment).");
    if (algorithm == "fa") return QObject::tr("Feedback alignment: like BP, but each transposed weight matrix in the backward chain is a fixed "
                                              "random matrix. No weight transport, but layers still wait for the backward pass.");
    if (algorithm == "dfa") return QObject::tr("Direct feedback alignment: the output error of this step is sent straight to every hidden layer "
                                               "through a fixed random matrix. Layers update in parallel but wait for the output error.");
    if (algorithm == "drtp") return QObject::tr("Direct random target projection: each hidden layer gets the one-hot target through a fixed random "
                                                "matrix. Known before the forward pass, so a layer updates right after its forward step.");
    if (algorithm == "f3") return QObject::tr("F³: each hidden layer gets the error this sample had one epoch earlier, through a fixed random matrix. "
                                              "Known before the step like DRTP, but carries real error information (epoch 1 equals DRTP).");
    if (algorithm == "shallow") return QObject::tr("Shallow learning: hidden layers keep their random initial weights; only the output layer learns. "
                                                   "The lower bound every rule should beat.");
    return {};
}

} // namespace f3::gui
