#include "f3/io/lesson.hpp"

#include "f3/io/experiment.hpp"
#include "f3/io/names.hpp"

#include <algorithm>
#include <charconv>

namespace f3 {
namespace {

constexpr std::string_view kActionPrefix = "Action:";
constexpr std::string_view kCommandLineHeading = "From the command line";
constexpr const char* kKnownActions =
    "load the lesson; open the NAME tab; press Run; run N epochs; run N batches; set the hidden layers to W[,W...] or none; "
    "set the epochs to N; set the rules to R[,R...]; run the sweep";

std::string trimmed(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    return std::string(s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1));
}

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        lines.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// A whole positive number, or nothing.
std::optional<int> positive(std::string_view s) {
    int value = 0;
    const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (error != std::errc() || end != s.data() + s.size() || value < 1) return std::nullopt;
    return value;
}

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t comma; (comma = s.find(',', start)) != std::string::npos; start = comma + 1) parts.push_back(trimmed(s.substr(start, comma - start)));
    parts.push_back(trimmed(s.substr(start)));
    return parts;
}

// The part of `phrase` between `prefix` and `suffix`, when it has both around a non-empty middle.
std::optional<std::string> between(const std::string& phrase, std::string_view prefix, std::string_view suffix) {
    if (phrase.size() <= prefix.size() + suffix.size() || !phrase.starts_with(prefix) || !phrase.ends_with(suffix))
        return std::nullopt;
    return phrase.substr(prefix.size(), phrase.size() - prefix.size() - suffix.size());
}

// "N epochs" / "N epoch" -> "epochs", "N batches" / "N batch" -> "batches", anything else -> null.
const char* run_unit(const std::string& count_and_unit) {
    const auto space = count_and_unit.find(' ');
    if (space == std::string::npos || count_and_unit.find_first_not_of("0123456789") != space) return nullptr;
    const std::string unit = count_and_unit.substr(space + 1);
    if (unit == "epoch" || unit == "epochs") return "epochs";
    if (unit == "batch" || unit == "batches") return "batches";
    return nullptr;
}

// The action a phrase names, or nothing when it names none. `why` explains a known phrase with a bad value.
std::optional<LessonAction> action_of(const std::string& phrase, std::string& why) {
    using Kind = LessonAction::Kind;
    LessonAction a;
    a.text = phrase;
    if (phrase == "load the lesson") a.kind = Kind::LoadLesson;
    else if (phrase == "press Run") a.kind = Kind::PressRun;
    else if (phrase == "run the sweep") a.kind = Kind::RunSweep;
    else if (const auto tab = between(phrase, "open the ", " tab")) {
        a.kind = Kind::OpenTab;
        a.tab = *tab;
    } else if (const auto run = between(phrase, "run ", ""); run && run_unit(*run)) {
        const auto space = run->find(' ');
        a.kind = run_unit(*run) == std::string_view("epochs") ? Kind::RunEpochs : Kind::RunBatches;
        const auto n = positive(run->substr(0, space));
        if (!n) return why = "the count must be a whole number from 1", std::nullopt;
        a.count = *n;
    } else if (const auto epochs = between(phrase, "set the epochs to ", "")) {
        a.kind = Kind::SetEpochs;
        const auto n = positive(*epochs);
        if (!n) return why = "the epochs must be a whole number from 1", std::nullopt;
        a.count = *n;
    } else if (const auto layers = between(phrase, "set the hidden layers to ", "")) {
        a.kind = Kind::SetHiddenLayers;
        if (*layers != "none")
            for (const std::string& width : split_commas(*layers)) {
                const auto w = positive(width);
                if (!w) return why = "\"" + width + "\" is not a layer width (a whole number from 1)", std::nullopt;
                a.widths.push_back(*w);
            }
    } else if (const auto rules = between(phrase, "set the rules to ", "")) {
        a.kind = Kind::SetRules;
        try {
            for (const std::string& rule : split_commas(*rules)) a.rules.push_back(parse_rule(rule));
        } catch (const NameError& error) {
            return why = error.what(), std::nullopt;
        }
    } else {
        return std::nullopt;
    }
    return a;
}

// Adds one line to the step (or the introduction) being read, taking out its action.
void add_line(const std::string& line, LessonStep* step, std::string& text, std::string_view lesson) {
    if (line.rfind(kActionPrefix, 0) != 0) {
        text += line + '\n';
        return;
    }
    const std::string where = "lesson \"" + std::string(lesson) + "\"" + (step ? ", step \"" + step->heading + "\"" : std::string(", introduction"));
    const std::string phrase = trimmed(std::string_view(line).substr(kActionPrefix.size()));
    if (!step) throw LessonError(where + ": an action belongs to a step (a \"## \" heading above it)");
    if (step->action) throw LessonError(where + ": a step has one action at most, this one has a second: \"" + phrase + "\"");
    std::string why;
    step->action = action_of(phrase, why);
    if (!step->action && !why.empty()) throw LessonError(where + ": \"" + phrase + "\": " + why);
    if (!step->action) throw LessonError(where + ": unknown action \"" + phrase + "\"; the actions are: " + kKnownActions);
}

} // namespace

Lesson parse_lesson(std::string_view markdown, std::string_view name) {
    Lesson lesson;
    const std::vector<std::string> lines = split_lines(markdown);
    if (lines.empty() || lines[0].rfind("# ", 0) != 0)
        throw LessonError("lesson \"" + std::string(name) + "\": the first line must be its title (\"# Title\")");
    lesson.title = trimmed(std::string_view(lines[0]).substr(2));
    std::string* text = &lesson.introduction;
    LessonStep* step = nullptr;
    bool command_line = false;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        if (line.rfind("## ", 0) == 0) {
            const std::string heading = trimmed(std::string_view(line).substr(3));
            command_line = heading == kCommandLineHeading;
            if (command_line) {
                step = nullptr;
                text = &lesson.command_line;
            } else {
                lesson.steps.push_back(LessonStep{heading, {}, std::nullopt});
                step = &lesson.steps.back();
                text = &step->text;
            }
        } else if (command_line) {
            *text += line + '\n';
        } else {
            add_line(line, step, *text, name);
        }
    }
    if (lesson.steps.empty()) throw LessonError("lesson \"" + std::string(name) + "\" has no steps (\"## \" headings)");
    lesson.introduction = trimmed(lesson.introduction);
    lesson.command_line = trimmed(lesson.command_line);
    for (LessonStep& s : lesson.steps) s.text = trimmed(s.text);
    return lesson;
}

void apply_setting(const LessonAction& action, Experiment& experiment) {
    TrainingConfig& training = experiment.training;
    switch (action.kind) {
    case LessonAction::Kind::SetHiddenLayers: {
        const auto& old = training.hidden;
        const bool shared = !old.empty() && std::all_of(old.begin(), old.end(), [&](const HiddenLayerSpec& l) { return l.activation == old[0].activation; });
        const Activation activation = shared ? old[0].activation : Activation::Tanh;
        training.hidden.clear();
        for (int width : action.widths) training.hidden.push_back({width, activation});
        break;
    }
    case LessonAction::Kind::SetEpochs: training.epochs = action.count; break;
    case LessonAction::Kind::SetRules: training.rules = action.rules; break;
    default: break;
    }
}

std::vector<std::string> tabs_named(const Lesson& lesson) {
    std::vector<std::string> tabs;
    // Every "the **NAME** tab" in a text; a name may wrap in the file.
    auto scan = [&](const std::string& text) {
        for (std::size_t open = text.find("he **"); open != std::string::npos; open = text.find("he **", open + 1)) {
            if (open == 0 || (text[open - 1] != 'T' && text[open - 1] != 't')) continue;
            const std::size_t name = open + 5, close = text.find("**", name);
            if (close == std::string::npos || close == name || text.compare(close + 2, 4, " tab") != 0) continue;
            std::string tab = text.substr(name, close - name);
            if (tab.find('*') != std::string::npos) continue;
            std::replace(tab.begin(), tab.end(), '\n', ' ');
            tabs.push_back(tab);
        }
    };
    scan(lesson.introduction);
    for (const LessonStep& step : lesson.steps) {
        scan(step.text);
        if (step.action && step.action->kind == LessonAction::Kind::OpenTab) tabs.push_back(step.action->tab);
    }
    return tabs;
}

} // namespace f3
