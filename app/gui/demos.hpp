#pragma once
// Built-in demonstrations: ready-made experiments the app can open (the first is shown on first start).
#include "training_session.hpp"

#include <QStringList>
#include <optional>

namespace f3::gui {

QStringList demo_names();
std::optional<RunSetup> demo(const QString& name);

} // namespace f3::gui
