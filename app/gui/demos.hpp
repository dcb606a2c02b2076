#pragma once
// Built-in lessons (resources/lessons, compiled into the app): experiment files with a short text.
// "default" is what the app opens with on first start; `--demo NAME` opens any of them.
#include "f3/io/experiment.hpp"
#include "f3/io/lesson.hpp"

#include <QStringList>
#include <optional>

namespace f3::gui {

QStringList demo_names();                        // "default" first, then the others by name
std::optional<Experiment> demo(const QString& name);
QString demo_text(const QString& name);          // the lesson's Markdown text ("" if none)
std::optional<Lesson> demo_lesson(const QString& name); // its steps (none if it has no text)

} // namespace f3::gui
