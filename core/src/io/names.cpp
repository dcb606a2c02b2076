#include "f3/io/names.hpp"

#include "f3/io/json.hpp"
#include "f3/rules/rule.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <utility>

namespace f3 {
namespace {

template <class Enum> struct Table;
template <> struct Table<Activation> {
    static constexpr const char* what = "activation";
    static constexpr std::array<std::pair<Activation, const char*>, 5> rows{{
        {Activation::Tanh, "tanh"}, {Activation::Sigmoid, "sigmoid"}, {Activation::Relu, "relu"},
        {Activation::LeakyRelu, "leaky_relu"}, {Activation::Linear, "linear"}}};
};
template <> struct Table<Architecture> {
    static constexpr const char* what = "architecture";
    static constexpr std::array<std::pair<Architecture, const char*>, 2> rows{{
        {Architecture::Dense, "dense"}, {Architecture::Transformer, "transformer"}}};
};
template <> struct Table<Head> {
    static constexpr const char* what = "output head";
    static constexpr std::array<std::pair<Head, const char*>, 3> rows{{
        {Head::SigmoidBce, "sigmoid_bce"}, {Head::SoftmaxCe, "softmax_ce"}, {Head::LinearMse, "linear_mse"}}};
};
template <> struct Table<F3Error> {
    static constexpr const char* what = "F3 error variant";
    static constexpr std::array<std::pair<F3Error, const char*>, 6> rows{{
        {F3Error::DelayedError, "delayed_error"}, {F3Error::DelayedLoss, "delayed_loss"},
        {F3Error::DelayedErrorOneHot, "delayed_error_one_hot"},
        {F3Error::DelayedLossOneHot, "delayed_loss_one_hot"},
        {F3Error::DelayedErrorSoftmax, "delayed_error_softmax"},
        {F3Error::DelayedLossSoftmax, "delayed_loss_softmax"}}};
};
template <> struct Table<FeedbackInit> {
    static constexpr const char* what = "feedback init";
    static constexpr std::array<std::pair<FeedbackInit, const char*>, 5> rows{{
        {FeedbackInit::Kaiming, "kaiming"}, {FeedbackInit::Gaussian, "gaussian"},
        {FeedbackInit::Trinomial, "trinomial"}, {FeedbackInit::Binomial, "binomial"},
        {FeedbackInit::PlusMinusIdentity, "pm_identity"}}};
};
template <> struct Table<OptimizerKind> {
    static constexpr const char* what = "optimizer";
    static constexpr std::array<std::pair<OptimizerKind, const char*>, 3> rows{{
        {OptimizerKind::Sgd, "sgd"}, {OptimizerKind::Momentum, "momentum"}, {OptimizerKind::Adam, "adam"}}};
};

template <> struct Table<SweepParameter> {
    static constexpr const char* what = "sweep parameter";
    static constexpr std::array<std::pair<SweepParameter, const char*>, 11> rows{{
        {SweepParameter::LearningRate, "lr"}, {SweepParameter::Width, "width"}, {SweepParameter::Depth, "depth"},
        {SweepParameter::BatchSize, "batch"}, {SweepParameter::FeedbackInit, "feedback_init"},
        {SweepParameter::F3Error, "f3_error"}, {SweepParameter::Dim, "dim"}, {SweepParameter::Heads, "heads"},
        {SweepParameter::DimHead, "dim_head"}, {SweepParameter::MlpDim, "mlp_dim"}, {SweepParameter::Patch, "patch"}}};
};
template <> struct Table<SweepMetric> {
    static constexpr const char* what = "sweep metric";
    static constexpr std::array<std::pair<SweepMetric, const char*>, 5> rows{{
        {SweepMetric::TestAccuracy, "test_accuracy"}, {SweepMetric::TestLoss, "test_loss"},
        {SweepMetric::TestMse, "test_mse"}, {SweepMetric::TrainLoss, "train_loss"}, {SweepMetric::GapClosed, "gap_closed"}}};
};

template <class Enum> std::string name_of(Enum v) {
    for (const auto& [value, name] : Table<Enum>::rows)
        if (value == v) return name;
    return "?";
}

} // namespace

template <class Enum> std::vector<std::string> all_names() {
    std::vector<std::string> names;
    for (const auto& row : Table<Enum>::rows) names.emplace_back(row.second);
    return names;
}

template <class Enum> Enum parse(std::string_view name) {
    for (const auto& [value, n] : Table<Enum>::rows)
        if (name == n) return value;
    std::string valid;
    for (const auto& row : Table<Enum>::rows) valid += (valid.empty() ? "" : ", ") + std::string(row.second);
    throw NameError("unknown " + std::string(Table<Enum>::what) + " '" + std::string(name) + "' (valid: " + valid + ")");
}

#define F3_NAMES(Enum)                                                     \
    std::string to_string(Enum v) { return name_of(v); }                   \
    template Enum parse<Enum>(std::string_view);                           \
    template std::vector<std::string> all_names<Enum>();
F3_NAMES(Activation)
F3_NAMES(Head)
F3_NAMES(Architecture)
F3_NAMES(F3Error)
F3_NAMES(FeedbackInit)
F3_NAMES(OptimizerKind)
F3_NAMES(SweepParameter)
F3_NAMES(SweepMetric)
#undef F3_NAMES

std::vector<std::string> rule_names() {
    std::vector<std::string> names;
    for (const RuleEntry* entry : all_rules()) names.push_back(entry->info.name);
    return names;
}

std::string to_string(const RuleSpec& rule) {
    if (rule.algorithm == "f3" && rule.f3_error != F3Error::DelayedError) return "f3:" + to_string(rule.f3_error);
    return rule.algorithm;
}

std::string rule_setting(const RuleSpec& rule) {
    return rule.learning_rate ? to_string(rule) + "@" + json::number_text(*rule.learning_rate) : to_string(rule);
}

namespace {

double rule_learning_rate(std::string_view rule, std::string_view text) {
    double value = 0.0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size() || !std::isfinite(value))
        throw NameError("'" + std::string(rule) + "': the learning rate after '@' must be a number, not '" + std::string(text) + "'");
    if (!(value > 0.0 && value <= limits::kMaxLearningRate))
        throw NameError("'" + std::string(rule) + "': the learning rate after '@' must be positive and at most " +
                        json::number_text(limits::kMaxLearningRate) + ", not " + std::string(text));
    return value;
}

} // namespace

RuleSpec parse_rule(std::string_view text, F3Error default_f3_error) {
    std::optional<double> learning_rate;
    if (const auto at = text.find('@'); at != std::string_view::npos) {
        learning_rate = rule_learning_rate(text, text.substr(at + 1));
        text = text.substr(0, at);
    }
    const auto colon = text.find(':');
    RuleSpec rule;
    rule.algorithm = rule_entry(text.substr(0, colon)).info.name;
    rule.f3_error = default_f3_error;
    if (colon != std::string_view::npos) {
        if (rule.algorithm != "f3")
            throw NameError("only f3 takes an error variant, not '" + std::string(text) + "'");
        rule.f3_error = parse<F3Error>(text.substr(colon + 1));
    }
    rule.learning_rate = learning_rate;
    return rule;
}

} // namespace f3
