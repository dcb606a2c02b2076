#pragma once
// Lessons (resources/lessons/NAME.md beside NAME.json): a text a class follows one step at a time.
//
// The format is Markdown with three conventions:
//
//   # Title                       the first line
//   Introduction...               shown with the first step
//   ## Run the lesson             every "## " heading starts a step (the heading is its name)
//   Press **Run** and watch...
//   Action: press Run             optional, one per step: what the step's button does (below)
//   ## From the command line      not a step: a note for the command-line runner, shown collapsed
//
// Actions (one line "Action: ..." anywhere in a step; the words are fixed, case matters only in
// tab names, which must be the app's tab titles):
//   load the lesson                     the lesson's experiment, as shipped (undoes every change)
//   open the NAME tab                   e.g. "open the Update timeline tab"
//   press Run                           trains to the end of the configured epochs
//   run N epochs / run 1 epoch          trains N more epochs, then pauses
//   run N batches / run 1 batch         trains N more batches, then pauses
//   set the hidden layers to W[,W...]   dense widths, e.g. "8" or "64,64,64,64"; "none" for none
//   set the epochs to N
//   set the rules to R[,R...]           rule names as in experiment files (bp, fa, dfa, drtp, f3...)
//   run the sweep                       the experiment's sweep, in the Sweep tab
// Anything else is a LessonError naming the lesson and the step.
#include "f3/rules/rule_spec.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace f3 {

struct Experiment;

class LessonError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct LessonAction {
    enum class Kind { LoadLesson, OpenTab, PressRun, RunEpochs, RunBatches, SetHiddenLayers, SetEpochs, SetRules, RunSweep };
    Kind kind = Kind::LoadLesson;
    std::string text;            // as written after "Action:" (the button's label)
    std::string tab;             // OpenTab: the tab's title
    int count = 0;               // RunEpochs, RunBatches, SetEpochs
    std::vector<int> widths;     // SetHiddenLayers (empty: no hidden layer)
    std::vector<RuleSpec> rules; // SetRules
};

struct LessonStep {
    std::string heading;
    std::string text; // Markdown, without the action line
    std::optional<LessonAction> action;
};

struct Lesson {
    std::string title;
    std::string introduction; // Markdown before the first step
    std::vector<LessonStep> steps;
    std::string command_line; // Markdown of "## From the command line" ("" when there is none)
};

// `name` (the lesson's file name without .md) only names the lesson in errors. Throws LessonError
// for a lesson without a title or steps, an unknown action, or two actions in one step.
Lesson parse_lesson(std::string_view markdown, std::string_view name);

// The action's one changed setting applied to `experiment` (SetHiddenLayers, SetEpochs, SetRules;
// other actions change nothing). New hidden layers keep the activation the old ones shared
// (tanh when they had none or differed).
void apply_setting(const LessonAction& action, Experiment& experiment);

// The tab titles a lesson names: in "open the NAME tab" actions and as "the **NAME** tab" in text.
std::vector<std::string> tabs_named(const Lesson& lesson);

} // namespace f3
