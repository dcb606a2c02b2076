#pragma once
// A lesson shown one step at a time (f3/io/lesson.hpp): the step's text, Back / Next, a button that
// performs the step's action, and the command-line note in a collapsed section.
#include "f3/io/lesson.hpp"

#include <QWidget>
#include <optional>

class QLabel;
class QPushButton;
class QTextBrowser;
class QToolButton;

namespace f3::gui {

class LessonPanel : public QWidget {
    Q_OBJECT
public:
    explicit LessonPanel(QWidget* parent = nullptr);

    // Shows `lesson` from its first step, the note collapsed; hides the panel when there is none.
    void show_lesson(const std::optional<Lesson>& lesson);
    void show_step(int step); // 0-based, clamped to the lesson's steps
    int step() const { return step_; }
    int step_count() const { return lesson_ ? static_cast<int>(lesson_->steps.size()) : 0; }
    const std::optional<Lesson>& lesson() const { return lesson_; }

signals:
    void actionRequested(const f3::LessonAction& action);
    void lessonChanged(); // another lesson, or none

protected:
    void changeEvent(QEvent* event) override;

private:
    void fit_title_font();
    std::optional<Lesson> lesson_;
    int step_ = 0;
    QLabel* title_ = nullptr;
    QLabel* progress_ = nullptr;
    QTextBrowser* text_ = nullptr;
    QPushButton* action_ = nullptr;
    QPushButton* back_ = nullptr;
    QPushButton* next_ = nullptr;
    QToolButton* command_line_toggle_ = nullptr;
    QTextBrowser* command_line_ = nullptr;
};

} // namespace f3::gui
