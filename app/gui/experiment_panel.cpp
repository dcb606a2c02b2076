#include "experiment_panel.hpp"

#include "f3/io/names.hpp"
#include "f3/nn/network.hpp"
#include "rule_style.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QTableWidget>
#include <QVBoxLayout>
#include <optional>

namespace f3::gui {
namespace {

constexpr const char* kIdxChoice = "IDX folder…";
constexpr const char* kCsvChoice = "CSV file…";

QComboBox* names_combo(const std::vector<std::string>& names, QWidget* parent) {
    auto* combo = new QComboBox(parent);
    for (const auto& n : names) combo->addItem(QString::fromStdString(n));
    return combo;
}

template <class Enum> void select(QComboBox* combo, Enum value) { combo->setCurrentText(QString::fromStdString(to_string(value))); }
template <class Enum> Enum selected(const QComboBox* combo) { return parse<Enum>(combo->currentText().toStdString()); }

QStringList rule_names_of(const std::vector<RuleSpec>& rules) {
    QStringList names;
    for (const auto& rule : rules) names << QString::fromStdString(to_string(rule));
    return names;
}

constexpr const char* kDenseChoice = "Fully connected";
constexpr const char* kTransformerChoice = "Transformer";

// Fashion-MNIST's shape; the only built-in image set (IDX folders are measured when loaded).
constexpr int kImageInputs = 28 * 28, kImageClasses = 10, kFashionTrainSize = 60000;
// Measured: the default transformer (patch 7, D 256, depth 3, 4 heads of 16, MLP 64) trains about
// 20,000 samples/s per rule on two threads of the development machine (f3studio-cli, batch 100).
constexpr double kDefaultSamplesPerSecond = 20000.0;
// Above this many parameters per rule the panel does not build the network to check it: the app
// keeps one copy per rule and per snapshot, and a typo (heads 4096) would take gigabytes.
constexpr double kMaxAppParameters = 50e6;

// Parameters of a vision transformer, counted from its shape without building it.
// Multiply-adds of one training step per sample: forward, the signals sent down and the updates.
double training_cost_per_sample(const Network& network) {
    double total = 0.0;
    for (int s = 0; s < network.stage_count(); ++s) {
        const StageCost c = network.stage(s).cost(1);
        total += c.forward + c.input_signal + c.update;
    }
    return total;
}

Dataset image_shape() {
    Dataset shape;
    shape.inputs = kImageInputs;
    shape.outputs = kImageClasses;
    shape.train_x.resize(1, 1);
    return shape;
}

} // namespace

ExperimentPanel::ExperimentPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);

    // Data
    auto* data_box = new QGroupBox(tr("Data"), this);
    auto* data_form = new QFormLayout(data_box);
    dataset_ = new QComboBox(data_box);
    for (const auto& name : toy_dataset_names()) dataset_->addItem(QString::fromStdString(name));
    dataset_->addItem("fashion-mnist");
    dataset_->addItem(tr(kIdxChoice));
    dataset_->addItem(tr(kCsvChoice));
    dataset_->setObjectName("dataset");
    data_form->addRow(tr("Data set"), dataset_);
    file_label_ = new QLabel(data_box);
    file_label_->setWordWrap(true);
    data_form->addRow(QString(), file_label_);
    size_ = new QSlider(Qt::Horizontal, data_box);
    size_->setRange(100, 5000);
    size_->setSingleStep(100);
    size_->setValue(1000);
    size_label_ = new QLabel(data_box);
    noise_ = new QSlider(Qt::Horizontal, data_box);
    noise_->setRange(0, 100);
    noise_->setValue(10);
    noise_label_ = new QLabel(data_box);
    data_form->addRow(size_label_, size_);
    data_form->addRow(noise_label_, noise_);
    toy_widgets_ = {size_, noise_, size_label_, noise_label_};
    csv_target_ = new QLineEdit(data_box);
    csv_target_->setPlaceholderText(tr("last column"));
    csv_task_ = new QComboBox(data_box);
    csv_task_->addItems({kInferredTask, "classification", "regression"});
    csv_task_->setToolTip(tr("auto: classification when the target is text or at most 50 whole numbers each in 2+ rows, "
                             "else regression (the status bar says which was inferred when training starts)"));
    data_form->addRow(tr("Target column"), csv_target_);
    data_form->addRow(tr("Task"), csv_task_);
    csv_widgets_ = {csv_target_, csv_task_, data_form->labelForField(csv_target_), data_form->labelForField(csv_task_)};
    train_limit_ = new QDoubleSpinBox(data_box);
    train_limit_->setDecimals(0);
    train_limit_->setRange(0, static_cast<double>(limits::kMaxExactInteger));
    train_limit_->setSpecialValueText(tr("all"));
    data_form->addRow(tr("Training samples"), train_limit_);
    layout->addWidget(data_box);

    // Network
    auto* net_box = new QGroupBox(tr("Network (input to output)"), this);
    auto* net_layout = new QVBoxLayout(net_box);
    auto* arch_form = new QFormLayout;
    architecture_ = new QComboBox(net_box);
    architecture_->setObjectName("architecture");
    architecture_->addItem(tr(kDenseChoice));
    architecture_->addItem(tr(kTransformerChoice));
    architecture_->setItemData(0, tr("Hidden layers of fully connected units, listed below"), Qt::ToolTipRole);
    architecture_->setItemData(1, tr("The paper's vision transformer for square images (Fashion-MNIST): attention blocks "
                                     "trained as units, each receiving the rule's signal at its output"),
                               Qt::ToolTipRole);
    arch_form->addRow(tr("Kind"), architecture_);
    net_layout->addLayout(arch_form);

    dense_box_ = new QWidget(net_box);
    auto* dense_layout = new QVBoxLayout(dense_box_);
    dense_layout->setContentsMargins(0, 0, 0, 0);
    layers_ = new QTableWidget(0, 2, dense_box_);
    layers_->setObjectName("layers");
    layers_->setHorizontalHeaderLabels({tr("Width"), tr("Activation")});
    layers_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    layers_->setSelectionBehavior(QAbstractItemView::SelectRows);
    layers_->setSelectionMode(QAbstractItemView::SingleSelection);
    layers_->setMinimumHeight(120);
    dense_layout->addWidget(layers_);
    auto* buttons = new QHBoxLayout;
    add_ = new QPushButton(tr("Add"), dense_box_);
    remove_ = new QPushButton(tr("Remove"), dense_box_);
    // Arrows, not words: four worded buttons need more than the panel's width at 1280x720.
    up_ = new QPushButton(style()->standardIcon(QStyle::SP_ArrowUp), QString(), dense_box_);
    down_ = new QPushButton(style()->standardIcon(QStyle::SP_ArrowDown), QString(), dense_box_);
    up_->setToolTip(tr("Move the selected layer up (nearer the input)"));
    down_->setToolTip(tr("Move the selected layer down (nearer the output)"));
    up_->setAccessibleName(tr("Up"));
    down_->setAccessibleName(tr("Down"));
    add_->setObjectName("addLayer");
    remove_->setObjectName("removeLayer");
    for (auto* b : {add_, remove_, up_, down_}) buttons->addWidget(b);
    dense_layout->addLayout(buttons);
    net_layout->addWidget(dense_box_);

    // The transformer's sizes. Every spin box takes what an experiment file may hold, so a file
    // opens exactly as written; the problems below say which combinations cannot run.
    transformer_box_ = new QWidget(net_box);
    auto* t_form = new QFormLayout(transformer_box_);
    t_form->setContentsMargins(0, 0, 0, 0);
    auto size_spin = [this](const char* name, int step, const QString& tip) {
        auto* spin = new QSpinBox(transformer_box_);
        spin->setObjectName(name);
        spin->setRange(1, limits::kMaxTransformerSize);
        spin->setSingleStep(step);
        spin->setToolTip(tip);
        return spin;
    };
    patch_ = size_spin("transformerPatch", 1,
                       tr("Patch side in pixels, as in the published code; it sets the token count T = (28 / patch)²: "
                          "7 gives 16 tokens, 4 gives 49, 14 gives 4. Must divide the image side (28). The image is embedded "
                          "linearly as a whole and its D features are split into the T tokens."));
    dim_ = size_spin("transformerDim", 16,
                     tr("D: features per sample in every stage, seen as T tokens of D / T features each, so D must be "
                        "a multiple of T. 256 with 16 tokens: 16 features per token."));
    depth_ = size_spin("transformerDepth", 1,
                       tr("Stages carrying D features, at least 2: depth − 1 transformer blocks (the first also embeds "
                          "the image linearly into D features), then one dense D → D stage; then the output stage. "
                          "Each stage receives the rule's signal at its output."));
    heads_ = size_spin("transformerHeads", 1, tr("Attention heads per block; each head has its own T × T attention map."));
    dim_head_ = size_spin("transformerDimHead", 4, tr("Features per head in the query, key and value projections."));
    mlp_dim_ = size_spin("transformerMlpDim", 16, tr("Hidden width of each block's MLP, applied to every token."));
    transformer_activation_ = names_combo(all_names<Activation>(), transformer_box_);
    transformer_activation_->setObjectName("transformerActivation");
    transformer_activation_->setToolTip(tr("Activation of each block's MLP and of the dense D → D stage"));
    t_form->addRow(tr("Patch (pixels)"), patch_);
    t_form->addRow(tr("D (dim)"), dim_);
    t_form->addRow(tr("Depth"), depth_);
    t_form->addRow(tr("Heads"), heads_);
    t_form->addRow(tr("Features per head"), dim_head_);
    t_form->addRow(tr("MLP width"), mlp_dim_);
    t_form->addRow(tr("Activation"), transformer_activation_);
    transformer_shape_ = new QLabel(transformer_box_);
    transformer_shape_->setObjectName("transformerShape");
    transformer_shape_->setWordWrap(true);
    t_form->addRow(transformer_shape_);
    speed_ = new QLabel(transformer_box_);
    speed_->setObjectName("speedEstimate");
    speed_->setWordWrap(true);
    t_form->addRow(speed_);
    net_layout->addWidget(transformer_box_);

    auto* head_form = new QFormLayout;
    head_ = names_combo(all_names<Head>(), net_box);
    head_->insertItem(0, "auto");
    head_->setItemData(0, tr("Chosen from the data: linear_mse for regression, sigmoid_bce for classes"), Qt::ToolTipRole);
    head_form->addRow(tr("Output head"), head_);
    net_layout->addLayout(head_form);
    layout->addWidget(net_box);

    // Rules
    auto* rules_box = new QGroupBox(tr("Rules to compare (lock-step)"), this);
    auto* rules_layout = new QGridLayout(rules_box);
    // As many rows of three as the registered rules need; the F3 variant picker goes below them.
    int i = 0;
    for (const auto& name : rule_names()) {
        const QString rule = QString::fromStdString(name);
        auto* box = new QCheckBox(rule_title(rule), rules_box);
        box->setObjectName("rule_" + rule);
        box->setProperty("rule", rule);
        box->setToolTip(rule_explanation(rule));
        box->setProperty("explanation", rule_explanation(rule));
        // Only the weight is set (not a style sheet's whole font): the size follows the window's, as presenter mode scales it.
        QFont bold;
        bold.setBold(true);
        box->setFont(bold);
        QPalette palette = box->palette();
        palette.setColor(QPalette::WindowText, rule_colour(rule));
        box->setPalette(palette);
        rules_layout->addWidget(box, i / 3, i % 3);
        rule_boxes_ << box;
        ++i;
    }
    f3_error_ = names_combo(all_names<F3Error>(), rules_box);
    f3_error_->setToolTip(tr("Which delayed error information F³ stores per sample"));
    f3_error_->setObjectName("f3Error");
    const int variant_row = (i + 2) / 3;
    rules_layout->addWidget(new QLabel(tr("F³ error:"), rules_box), variant_row, 0);
    rules_layout->addWidget(f3_error_, variant_row, 1, 1, 2);
    layout->addWidget(rules_box);

    // Training
    auto* train_box = new QGroupBox(tr("Training"), this);
    auto* train_form = new QFormLayout(train_box);
    feedback_init_ = names_combo(all_names<FeedbackInit>(), train_box);
    optimizer_ = names_combo(all_names<OptimizerKind>(), train_box);
    learning_rate_ = new QDoubleSpinBox(train_box);
    learning_rate_->setObjectName("learningRate");
    learning_rate_->setDecimals(6);
    learning_rate_->setRange(0.0, limits::kMaxLearningRate);
    learning_rate_->setSingleStep(0.0005);
    learning_rate_->setKeyboardTracking(false); // a live run takes the typed value, not each keystroke
    learning_rate_->setToolTip(tr("Also changes a running or paused comparison from its next batch, marked on the curves "
                                  "with the new value; saving and the next Run use the value shown here. A rule with its own "
                                  "rate from the file (listed below as RULE@LR) keeps that one"));
    batch_ = new QSpinBox(train_box);
    batch_->setRange(1, limits::kMaxBatch);
    epochs_ = new QSpinBox(train_box);
    epochs_->setRange(1, limits::kMaxEpochs);
    seed_ = new QDoubleSpinBox(train_box);
    seed_->setObjectName("seed");
    seed_->setDecimals(0);
    seed_->setRange(0, static_cast<double>(limits::kMaxExactInteger));
    instrument_every_ = new QSpinBox(train_box);
    instrument_every_->setRange(1, 1000000000);
    instrument_every_->setToolTip(tr("Alignment angles and the timeline are measured on one step in this many"));
    train_form->addRow(tr("Feedback init"), feedback_init_);
    train_form->addRow(tr("Optimizer"), optimizer_);
    train_form->addRow(tr("Learning rate"), learning_rate_);
    train_form->addRow(tr("Batch size"), batch_);
    train_form->addRow(tr("Epochs"), epochs_);
    train_form->addRow(tr("Seed"), seed_);
    train_form->addRow(tr("Instruments every"), instrument_every_);
    layout->addWidget(train_box);
    from_file_ = new QLabel(this);
    from_file_->setObjectName("fromFile");
    from_file_->setWordWrap(true);
    from_file_->setStyleSheet("QLabel { font-style: italic; }");
    layout->addWidget(from_file_);

    problems_ = new QLabel(this);
    problems_->setObjectName("problems");
    problems_->setWordWrap(true);
    problems_->setStyleSheet("QLabel { color: #b00020; }");
    layout->addWidget(problems_);
    layout->addStretch(1);

    connect(add_, &QPushButton::clicked, this, [this] { add_layer(); });
    connect(remove_, &QPushButton::clicked, this, [this] {
        const int row = layers_->currentRow() >= 0 ? layers_->currentRow() : layers_->rowCount() - 1;
        if (row >= 0) layers_->removeRow(row);
        validate();
    });
    connect(up_, &QPushButton::clicked, this, [this] { move_layer(-1); });
    connect(down_, &QPushButton::clicked, this, [this] { move_layer(1); });
    connect(dataset_, &QComboBox::activated, this, [this] {
        const QString choice = dataset_->currentText();
        if (choice == tr(kIdxChoice)) file_path_ = QFileDialog::getExistingDirectory(this, tr("Folder with MNIST-format IDX files"));
        else if (choice == tr(kCsvChoice)) file_path_ = QFileDialog::getOpenFileName(this, tr("CSV file"), {}, tr("CSV (*.csv);;All files (*)"));
        update_visibility();
        validate();
    });
    auto any_change = [this] { validate(); };
    connect(size_, &QSlider::valueChanged, this, any_change);
    connect(noise_, &QSlider::valueChanged, this, any_change);
    for (auto* box : rule_boxes_) connect(box, &QCheckBox::toggled, this, any_change);
    for (auto* combo : {head_, f3_error_, feedback_init_, optimizer_, csv_task_, dataset_})
        connect(combo, &QComboBox::currentIndexChanged, this, any_change);
    for (auto* spin : {batch_, epochs_, instrument_every_, patch_, dim_, depth_, heads_, dim_head_, mlp_dim_})
        connect(spin, &QSpinBox::valueChanged, this, any_change);
    for (auto* spin : {seed_, train_limit_}) connect(spin, &QDoubleSpinBox::valueChanged, this, any_change);
    connect(transformer_activation_, &QComboBox::currentIndexChanged, this, any_change);
    connect(architecture_, &QComboBox::currentIndexChanged, this, any_change);
    connect(learning_rate_, &QDoubleSpinBox::valueChanged, this, [this](double lr) {
        if (!loading_) emit learningRateEdited(lr);
        validate();
    });
    connect(csv_target_, &QLineEdit::textChanged, this, any_change);

    Experiment defaults;
    defaults.training.hidden = {{32, Activation::Tanh}, {32, Activation::Tanh}};
    defaults.training.rules = {parse_rule("bp"), parse_rule("dfa"), parse_rule("f3")};
    defaults.training.threads = 2;
    set_setup(defaults);
}

void ExperimentPanel::add_layer(int width) {
    const int row = layers_->rowCount();
    layers_->insertRow(row);
    auto* spin = new QSpinBox(layers_);
    spin->setRange(1, 100000);
    spin->setValue(width);
    auto* activation = names_combo(all_names<Activation>(), layers_);
    layers_->setCellWidget(row, 0, spin);
    layers_->setCellWidget(row, 1, activation);
    connect(spin, &QSpinBox::valueChanged, this, [this] { validate(); });
    connect(activation, &QComboBox::currentIndexChanged, this, [this] { validate(); });
    validate();
}

int ExperimentPanel::layer_count() const { return layers_->rowCount(); }

void ExperimentPanel::move_layer(int delta) {
    const int row = layers_->currentRow(), target = row + delta;
    if (row < 0 || target < 0 || target >= layers_->rowCount()) return;
    auto* a = static_cast<QSpinBox*>(layers_->cellWidget(row, 0));
    auto* b = static_cast<QSpinBox*>(layers_->cellWidget(target, 0));
    auto* fa = static_cast<QComboBox*>(layers_->cellWidget(row, 1));
    auto* fb = static_cast<QComboBox*>(layers_->cellWidget(target, 1));
    const int width = a->value();
    const QString activation = fa->currentText();
    a->setValue(b->value());
    fa->setCurrentText(fb->currentText());
    b->setValue(width);
    fb->setCurrentText(activation);
    layers_->setCurrentCell(target, 0);
}

QString ExperimentPanel::dataset_source() const {
    const QString choice = dataset_->currentText();
    if (choice == tr(kIdxChoice)) return "idx:" + file_path_;
    if (choice == tr(kCsvChoice)) return "csv:" + file_path_;
    return choice;
}

void ExperimentPanel::update_visibility() {
    const QString source = dataset_source();
    const bool toy = is_toy_source(source.toStdString());
    for (auto* w : std::as_const(toy_widgets_)) w->setVisible(toy);
    for (auto* w : std::as_const(csv_widgets_))
        if (w) w->setVisible(source.startsWith("csv:"));
    file_label_->setVisible(source.contains(':'));
    const bool transformer = architecture_->currentIndex() == 1;
    dense_box_->setVisible(!transformer);
    transformer_box_->setVisible(transformer);
    file_label_->setText(file_path_.isEmpty() ? tr("no file chosen") : file_path_);
    const Experiment s = setup(); // the values that run: the file's while a slider still shows them
    size_label_->setText(tr("Samples: %1").arg(s.dataset.toy.size));
    noise_label_->setText(tr("Noise: %1").arg(QString::number(s.dataset.toy.noise, 'g', QLocale::FloatingPointShortest)));
    const QString note = from_file_note();
    from_file_->setText(note);
    from_file_->setVisible(!note.isEmpty());
}

std::vector<RuleSpec> ExperimentPanel::rules_from_boxes() const {
    std::vector<RuleSpec> rules;
    const F3Error error = selected<F3Error>(f3_error_);
    for (auto* box : rule_boxes_)
        if (box->isChecked()) {
            RuleSpec rule = parse_rule(box->property("rule").toString().toStdString(), error);
            // A rule still ticked keeps the learning rate the file gave it.
            for (const auto& loaded : base_.training.rules)
                if (to_string(loaded) == to_string(rule)) rule.learning_rate = loaded.learning_rate;
            rules.push_back(rule);
        }
    return rules;
}

QStringList ExperimentPanel::ticked_rules() const {
    QStringList ticked;
    for (auto* box : rule_boxes_)
        if (box->isChecked()) ticked << box->property("rule").toString();
    return ticked << f3_error_->currentText();
}

// The loaded values that the form runs but cannot show exactly.
QString ExperimentPanel::from_file_note() const {
    const Experiment s = setup();
    QStringList kept;
    if (s.dataset.toy.size != size_->value()) kept << tr("samples %1").arg(s.dataset.toy.size);
    const auto exactly = [](double v) { return QString::number(v, 'g', QLocale::FloatingPointShortest); };
    if (s.dataset.toy.noise != noise_->value() / 100.0) kept << tr("noise %1").arg(exactly(s.dataset.toy.noise));
    if (s.training.optimizer.learning_rate != learning_rate_->value())
        kept << tr("learning rate %1").arg(exactly(s.training.optimizer.learning_rate));
    if (s.dataset.toy.seed != static_cast<std::uint64_t>(seed_->value())) kept << tr("data seed %1").arg(s.dataset.toy.seed);
    if (rule_names_of(s.training.rules) != rule_names_of(rules_from_boxes()))
        kept << tr("rules %1").arg(rule_names_of(s.training.rules).join(", "));
    // A rule's own rate (a tuned experiment's) has no field: shown here, it trains as written.
    QStringList own_rates;
    for (const auto& rule : s.training.rules)
        if (rule.learning_rate) own_rates << QString::fromStdString(rule_setting(rule));
    if (!own_rates.isEmpty()) kept << tr("each rule's own learning rate, used instead of the one above: %1").arg(own_rates.join(", "));
    if (kept.isEmpty()) return {};
    return tr("From the file (runs and is saved as written until you change the field): %1.").arg(kept.join("; "));
}

Experiment ExperimentPanel::setup() const {
    Experiment s = base_;
    s.training.hidden.clear();
    s.training.rules.clear();
    s.dataset.source = dataset_source().toStdString();
    s.dataset.target = csv_target_->text().trimmed().toStdString();
    s.dataset.csv_task = parse_csv_task(csv_task_->currentText().toStdString());
    s.dataset.toy.size = size_->value() == shown_.size ? base_.dataset.toy.size : size_->value();
    s.dataset.toy.noise = noise_->value() == shown_.noise ? base_.dataset.toy.noise : noise_->value() / 100.0;
    s.dataset.toy.seed = data_seed_follows_ ? static_cast<std::uint64_t>(seed_->value()) : base_.dataset.toy.seed;
    s.train_limit = static_cast<Index>(train_limit_->value());
    for (int row = 0; row < layers_->rowCount(); ++row) {
        HiddenLayerSpec layer;
        layer.width = static_cast<QSpinBox*>(layers_->cellWidget(row, 0))->value();
        layer.activation = selected<Activation>(static_cast<QComboBox*>(layers_->cellWidget(row, 1)));
        s.training.hidden.push_back(layer);
    }
    s.training.architecture = architecture_->currentIndex() == 1 ? Architecture::Transformer : Architecture::Dense;
    TransformerSpec& t = s.training.transformer;
    t.patch = patch_->value();
    t.dim = dim_->value();
    t.depth = depth_->value();
    t.heads = heads_->value();
    t.dim_head = dim_head_->value();
    t.mlp_dim = mlp_dim_->value();
    t.activation = selected<Activation>(transformer_activation_);
    s.head_from_task = head_->currentText() == "auto";
    if (!s.head_from_task) s.training.head = selected<Head>(head_);
    s.training.rules = ticked_rules() == shown_.rules ? base_.training.rules : rules_from_boxes();
    s.training.feedback_init = selected<FeedbackInit>(feedback_init_);
    s.training.optimizer.kind = selected<OptimizerKind>(optimizer_);
    s.training.optimizer.learning_rate =
        learning_rate_->value() == shown_.learning_rate ? base_.training.optimizer.learning_rate : learning_rate_->value();
    s.training.batch_size = batch_->value();
    s.training.epochs = epochs_->value();
    s.training.seed = static_cast<std::uint64_t>(seed_->value());
    s.training.threads = std::max(1, s.training.threads);
    s.instruments.every_steps = instrument_every_->value();
    return s;
}

void ExperimentPanel::set_setup(const Experiment& s) {
    loading_ = true;
    base_ = s;
    const QString source = QString::fromStdString(s.dataset.source);
    if (source.startsWith("idx:") || source.startsWith("csv:")) {
        file_path_ = source.mid(4);
        dataset_->setCurrentText(source.startsWith("idx:") ? tr(kIdxChoice) : tr(kCsvChoice));
    } else {
        dataset_->setCurrentText(source);
    }
    csv_target_->setText(QString::fromStdString(s.dataset.target));
    csv_task_->setCurrentText(QString::fromStdString(csv_task_name(s.dataset.csv_task)));
    size_->setValue(s.dataset.toy.size);
    noise_->setValue(qRound(s.dataset.toy.noise * 100));
    train_limit_->setValue(static_cast<double>(s.train_limit));
    layers_->setRowCount(0);
    for (const auto& layer : s.training.hidden) {
        add_layer(layer.width);
        select(static_cast<QComboBox*>(layers_->cellWidget(layers_->rowCount() - 1, 1)), layer.activation);
    }
    architecture_->setCurrentIndex(s.training.architecture == Architecture::Transformer ? 1 : 0);
    patch_->setValue(s.training.transformer.patch);
    dim_->setValue(s.training.transformer.dim);
    depth_->setValue(s.training.transformer.depth);
    heads_->setValue(s.training.transformer.heads);
    dim_head_->setValue(s.training.transformer.dim_head);
    mlp_dim_->setValue(s.training.transformer.mlp_dim);
    select(transformer_activation_, s.training.transformer.activation);
    if (s.head_from_task) head_->setCurrentText("auto");
    else select(head_, s.training.head);
    for (auto* box : rule_boxes_) {
        bool on = false;
        for (const auto& rule : s.training.rules)
            if (QString::fromStdString(rule.algorithm) == box->property("rule").toString()) {
                on = true;
                if (rule.algorithm == "f3") select(f3_error_, rule.f3_error);
            }
        box->setChecked(on);
    }
    select(feedback_init_, s.training.feedback_init);
    select(optimizer_, s.training.optimizer.kind);
    learning_rate_->setValue(s.training.optimizer.learning_rate);
    batch_->setValue(s.training.batch_size);
    epochs_->setValue(s.training.epochs);
    seed_->setValue(static_cast<double>(s.training.seed));
    instrument_every_->setValue(s.instruments.every_steps);
    data_seed_follows_ = s.dataset.toy.seed == s.training.seed;
    shown_ = {size_->value(), noise_->value(), learning_rate_->value(), ticked_rules()};
    loading_ = false;
    update_visibility();
    validate();
}

QStringList ExperimentPanel::problems() const {
    QStringList list;
    const Experiment s = setup();
    const QString source = dataset_source();
    if ((source.startsWith("idx:") || source.startsWith("csv:")) && file_path_.isEmpty())
        list << tr("choose a file for the data set");
    // check_config needs only the task and the sample count: a shape-only stand-in avoids loading data.
    Dataset shape;
    const bool toy = is_toy_source(source.toStdString());
    const ToyShape toy_set = toy ? toy_shape(source.toStdString()) : ToyShape{};
    shape.task = (toy_set.task == Task::Regression || (source.startsWith("csv:") && s.dataset.csv_task == Task::Regression))
                     ? Task::Regression
                     : Task::Classification;
    shape.train_x.resize(1, 1);
    if (s.training.architecture == Architecture::Transformer) {
        // The transformer's checks need the image size: known for the built-in sets, measured
        // when an IDX folder or CSV file is loaded (then Run reports what does not fit).
        if (source == "fashion-mnist") {
            shape.inputs = kImageInputs;
            shape.outputs = kImageClasses;
        } else if (toy) {
            shape.inputs = toy_set.inputs;
            shape.outputs = toy_set.outputs;
        }
        const double parameters = Network::vision_transformer_parameters(shape.inputs, s.training.transformer, shape.outputs);
        if (shape.inputs > 0 && parameters > kMaxAppParameters) {
            list << tr("this transformer would have %1 million parameters per rule; the app trains up to %2 million "
                       "(f3studio-cli has no such limit)")
                        .arg(parameters / 1e6, 0, 'f', 0)
                        .arg(kMaxAppParameters / 1e6, 0, 'f', 0);
            shape.inputs = 0; // check the rest without building the network
        }
    }
    for (const auto& p : check_config(training_config_for(s, shape), shape)) list << QString::fromStdString(p);
    return list;
}

QString ExperimentPanel::speed_estimate() const { return speed_->isVisibleTo(this) ? speed_->text() : QString(); }

// The transformer's shape, its cost against the measured default, and which rules cannot train it.
void ExperimentPanel::update_transformer_notes() {
    const Experiment s = setup();
    const bool transformer = s.training.architecture == Architecture::Transformer;
    std::optional<Network> network;
    const Dataset shape = image_shape();
    TrainingConfig probe = training_config_for(s, shape);
    probe.head = Head::SoftmaxCe;
    probe.optimizer = OptimizerSpec{};
    probe.batch_size = probe.epochs = probe.threads = 1;
    probe.rules = {parse_rule("bp")};
    const int side = image_side(kImageInputs), patch = s.training.transformer.patch;
    const int tokens = patch > 0 && side % patch == 0 ? (side / patch) * (side / patch) : 1;
    const bool buildable = transformer && check_config(probe, shape).empty() &&
                           Network::vision_transformer_parameters(kImageInputs, s.training.transformer, kImageClasses) <= kMaxAppParameters;
    if (buildable) network = initial_network(probe, shape);

    // Rules that cannot train this network's stages (FA needs one weight matrix per stage) are
    // greyed out with the core's reason, unless the experiment already has them: then they stay
    // checkable so the listed problem can be fixed by unticking.
    for (auto* box : rule_boxes_) {
        QString reason;
        if (network)
            for (const auto& p : check_rules_fit({parse_rule(box->property("rule").toString().toStdString())}, *network))
                reason = QString::fromStdString(p);
        box->setEnabled(reason.isEmpty() || box->isChecked());
        box->setToolTip(reason.isEmpty() ? box->property("explanation").toString()
                                         : tr("Not available for this network: %1").arg(reason));
    }

    if (!transformer) return;
    if (!network) {
        transformer_shape_->setText(tr("T = (28 / patch)² tokens; D must be a multiple of T (see the problems below)."));
        speed_->clear();
        speed_->setVisible(false);
        return;
    }
    const TransformerSpec& t = s.training.transformer;
    double parameters = 0.0;
    for (int st = 0; st < network->stage_count(); ++st)
        for (const Parameter& p : network->stage(st).parameters()) parameters += static_cast<double>(p.size());
    transformer_shape_->setText(tr("For 28×28 images: T = %1 tokens of %2 features; %3 transformer block(s), then dense %4 → %4; "
                                   "%5 parameters per rule.")
                                    .arg(tokens)
                                    .arg(t.dim / tokens)
                                    .arg(t.depth - 1)
                                    .arg(t.dim)
                                    .arg(QLocale().toString(parameters, 'f', 0)));
    // Time from multiply-adds, scaled from the measured speed of the default transformer.
    TrainingConfig reference = probe;
    reference.transformer = TransformerSpec{};
    const double ratio = training_cost_per_sample(*network) / training_cost_per_sample(initial_network(reference, shape));
    const double rate = kDefaultSamplesPerSecond / ratio;
    const QString source = dataset_source();
    const bool known = source == "fashion-mnist";
    const double samples = s.train_limit > 0 ? (known ? std::min<double>(static_cast<double>(s.train_limit), kFashionTrainSize)
                                                      : static_cast<double>(s.train_limit))
                                             : (known ? kFashionTrainSize : 10000.0);
    const double per_rule = samples / rate;
    const int rules = std::max<int>(1, static_cast<int>(s.training.rules.size()));
    auto seconds = [](double x) {
        if (x < 0.1) return tr("under 0.1 s");
        return x < 90 ? tr("about %1 s").arg(x < 10 ? QString::number(x, 'f', 1) : QString::number(qRound(x)))
                      : tr("about %1 min").arg(x / 60, 0, 'f', x < 600 ? 1 : 0);
    };
    QString text = tr("Estimate: %1 per epoch per rule (%2 samples; %3× the multiply-adds per sample of the default "
                      "transformer, which trains about %4 samples/s per rule on two threads), %5 per epoch for %6 rule(s).")
                       .arg(seconds(per_rule))
                       .arg(QLocale().toString(samples, 'f', 0))
                       .arg(ratio, 0, 'g', 2)
                       .arg(QLocale().toString(kDefaultSamplesPerSecond, 'f', 0))
                       .arg(seconds(per_rule * rules))
                       .arg(rules);
    const bool slow = per_rule * rules > 120.0;
    if (slow) text = tr("⚠ Slow on this machine. ") + text + tr(" Lower Training samples, D or depth for a live demo.");
    speed_->setText(text);
    speed_->setStyleSheet(slow ? "QLabel { color: #b35900; font-weight: bold; }" : "QLabel { font-style: italic; }");
    speed_->setVisible(true);
}

void ExperimentPanel::validate() {
    if (loading_) return;
    update_visibility();
    update_transformer_notes();
    const QStringList list = problems();
    problems_->setText(list.isEmpty() ? QString() : "• " + list.join("\n• "));
    problems_->setVisible(!list.isEmpty());
    emit changed();
}

} // namespace f3::gui
