#include "lesson_panel.hpp"

#include <algorithm>

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QTextBrowser>
#include <QToolButton>
#include <QVBoxLayout>

namespace f3::gui {
namespace {

// "open the Update timeline tab" -> "Open the Update timeline tab"
QString button_text(const std::string& phrase) {
    QString text = QString::fromStdString(phrase);
    if (!text.isEmpty()) text[0] = text[0].toUpper();
    return text;
}

} // namespace

LessonPanel::LessonPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    title_ = new QLabel;
    title_->setObjectName("lessonTitle");
    title_->setWordWrap(true);
    fit_title_font();
    progress_ = new QLabel;
    progress_->setObjectName("lessonProgress");
    progress_->setWordWrap(true);
    text_ = new QTextBrowser;
    text_->setObjectName("lessonStep");
    action_ = new QPushButton;
    action_->setObjectName("lessonAction");
    action_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    // A long action ("Set the hidden layers to 64,64,64,64") must never widen the window past a projector's screen.
    action_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    back_ = new QPushButton(style()->standardIcon(QStyle::SP_ArrowBack), tr("Back"));
    back_->setObjectName("lessonBack");
    next_ = new QPushButton(tr("Next"));
    next_->setIcon(style()->standardIcon(QStyle::SP_ArrowForward));
    next_->setLayoutDirection(Qt::RightToLeft); // the arrow after the word
    next_->setObjectName("lessonNext");
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(back_);
    buttons->addStretch(1);
    buttons->addWidget(next_);
    command_line_toggle_ = new QToolButton;
    command_line_toggle_->setObjectName("lessonCommandLineToggle");
    command_line_toggle_->setText(tr("From the command line"));
    command_line_toggle_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    command_line_toggle_->setArrowType(Qt::RightArrow);
    command_line_toggle_->setCheckable(true);
    command_line_toggle_->setAutoRaise(true);
    command_line_toggle_->setToolTip(tr("The same lesson with f3studio-cli, for scripts and clusters"));
    command_line_ = new QTextBrowser;
    command_line_->setObjectName("lessonCommandLine");
    command_line_->setVisible(false);
    layout->addWidget(title_);
    layout->addWidget(progress_);
    layout->addWidget(text_, 1);
    layout->addWidget(action_);
    layout->addLayout(buttons);
    layout->addWidget(command_line_toggle_);
    layout->addWidget(command_line_, 1);

    connect(back_, &QPushButton::clicked, this, [this] { show_step(step_ - 1); });
    connect(next_, &QPushButton::clicked, this, [this] { show_step(step_ + 1); });
    connect(action_, &QPushButton::clicked, this, [this] {
        if (lesson_ && lesson_->steps[static_cast<std::size_t>(step_)].action) emit actionRequested(*lesson_->steps[static_cast<std::size_t>(step_)].action);
    });
    connect(command_line_toggle_, &QToolButton::toggled, this, [this](bool open) {
        command_line_toggle_->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
        command_line_->setVisible(open);
    });
    setVisible(false);
}

// The title is a size above the panel's font, whatever that is (presenter mode sets the window's larger).
void LessonPanel::fit_title_font() {
    QFont bold = font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.2);
    title_->setFont(bold);
}

void LessonPanel::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange) fit_title_font();
}

void LessonPanel::show_lesson(const std::optional<Lesson>& lesson) {
    lesson_ = lesson;
    setVisible(lesson_.has_value());
    command_line_toggle_->setChecked(false);
    if (!lesson_) { // no old lesson's words left behind, hidden or not
        for (QLabel* label : {title_, progress_}) label->clear();
        text_->clear();
        command_line_->clear();
    } else {
        title_->setText(QString::fromStdString(lesson_->title));
        command_line_->setMarkdown(QString::fromStdString(lesson_->command_line));
        command_line_toggle_->setVisible(!lesson_->command_line.empty());
        show_step(0);
    }
    emit lessonChanged();
}

void LessonPanel::show_step(int step) {
    if (!lesson_) return;
    step_ = std::clamp(step, 0, step_count() - 1);
    const LessonStep& s = lesson_->steps[static_cast<std::size_t>(step_)];
    progress_->setText(tr("Step %1 of %2: <b>%3</b>").arg(step_ + 1).arg(step_count()).arg(QString::fromStdString(s.heading).toHtmlEscaped()));
    // The introduction belongs to the first step: why the lesson matters, before what to do.
    const std::string text = step_ == 0 && !lesson_->introduction.empty() ? lesson_->introduction + "\n\n" + s.text : s.text;
    text_->setMarkdown(QString::fromStdString(text));
    action_->setVisible(s.action.has_value());
    if (s.action) {
        action_->setText(button_text(s.action->text));
        action_->setToolTip(tr("Do this step in the app: %1").arg(action_->text()));
    }
    back_->setEnabled(step_ > 0);
    next_->setEnabled(step_ + 1 < step_count());
}

} // namespace f3::gui
