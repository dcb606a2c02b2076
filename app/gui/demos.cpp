#include "demos.hpp"

#include <QDir>
#include <QFile>

namespace f3::gui {
namespace {

QByteArray read_resource(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

QStringList demo_names() {
    QStringList names;
    for (const QString& file : QDir(":/lessons").entryList({"*.json"}, QDir::Files, QDir::Name)) names << file.chopped(5);
    if (names.removeOne("default")) names.prepend("default");
    return names;
}

std::optional<Experiment> demo(const QString& name) {
    const QByteArray text = read_resource(":/lessons/" + name + ".json");
    if (text.isEmpty()) return std::nullopt;
    // Built-in files are checked by the test suite; a broken one is a build error, not a user's.
    return parse_experiment(text.toStdString(), (name + ".json").toStdString(), nullptr);
}

QString demo_text(const QString& name) { return QString::fromUtf8(read_resource(":/lessons/" + name + ".md")); }

std::optional<Lesson> demo_lesson(const QString& name) {
    const QString text = demo_text(name);
    if (text.isEmpty()) return std::nullopt;
    // Like the experiments, built-in lessons are checked by the test suite (tst_lesson).
    return parse_lesson(text.toStdString(), name.toStdString());
}

} // namespace f3::gui
