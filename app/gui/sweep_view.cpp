#include "sweep_view.hpp"

#include "f3/io/json.hpp"
#include "f3/io/names.hpp"
#include "f3/platform/threads.hpp"
#include "f3/train/sweep_runner.hpp"
#include "plots.hpp"
#include "rule_style.hpp"

#include <QComboBox>
#include <QDateTime>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QStyle>
#include <QThread>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace f3::gui {
namespace {

struct ParameterChoice {
    const char* name; // as in --param
    const char* title;
    const char* example; // the values offered when it is picked
};

const ParameterChoice kParameters[] = {
    {"lr", QT_TRANSLATE_NOOP("SweepView", "learning rate"), "1e-4:1e-1:log:7"},
    {"width", QT_TRANSLATE_NOOP("SweepView", "width (every hidden layer)"), "8,16,32,64,128"},
    {"depth", QT_TRANSLATE_NOOP("SweepView", "depth (hidden layers)"), "1:4"},
    {"batch", QT_TRANSLATE_NOOP("SweepView", "batch size"), "8,16,32,64,128"},
    {"feedback_init", QT_TRANSLATE_NOOP("SweepView", "feedback init"), "kaiming,gaussian,trinomial,binomial,pm_identity"},
    {"f3_error", QT_TRANSLATE_NOOP("SweepView", "F³ error variant"),
     "delayed_error,delayed_loss,delayed_error_one_hot,delayed_loss_one_hot,delayed_error_softmax,delayed_loss_softmax"},
};

// The gap's baseline is the runs' (every run of a sweep has the same); DRTP before there are any.
QString metric_title(SweepMetric metric, const std::vector<SweepRun>& runs = {}) {
    const RuleSpec baseline = runs.empty() ? SweepRun{}.gap_baseline : runs.front().gap_baseline;
    const QString base = rule_title(QString::fromStdString(to_string(baseline)));
    switch (metric) {
    case SweepMetric::TestAccuracy: return QObject::tr("test accuracy");
    case SweepMetric::TestLoss: return QObject::tr("test loss");
    case SweepMetric::TestMse: return QObject::tr("test MSE");
    case SweepMetric::TrainLoss: return QObject::tr("training loss");
    case SweepMetric::GapClosed: return QObject::tr("gap closed vs %1 (0 = %1, 1 = BP)").arg(base);
    }
    return {};
}

QString axis_title(const SweepAxis& axis) {
    for (const auto& p : kParameters)
        if (to_string(axis.parameter) == p.name) return QObject::tr(p.title);
    return QString::fromStdString(to_string(axis.parameter));
}

QColor translucent(QColor c, int alpha) {
    c.setAlpha(alpha);
    return c;
}

QString format_stat(const SeedStatistics& s) {
    if (s.n == 0) return s.diverged && s.note.empty() ? QObject::tr("diverged") : QStringLiteral("–");
    QString text = QString::number(s.mean, 'g', 3);
    if (s.n > 1) text += QStringLiteral(" ± ") + QString::number(s.std, 'g', 2);
    return text;
}

} // namespace

// ---------------------------------------------------------------- SweepPlot

SweepPlot::SweepPlot(QWidget* parent) : ZoomablePlot(parent) {
    setMinimumSize(380, 300);
    setPlottingHints(QCP::phCacheLabels);
    setAutoAddPlottableToLegend(false);
    plotLayout()->clear();
    plotLayout()->addElement(0, 0, new QCPTextElement(this, tr("Run a sweep to see the final metric against the swept value."), font()));
}

void SweepPlot::show_results(const SweepSpec& spec, const std::vector<SweepRun>& runs, SweepMetric metric, std::size_t selected) {
    // Drawn anew for every result: a zoom into the same sweep stays, another sweep is shown whole.
    const QList<QCPRange> user_view = follows_data() || spec != spec_ ? QList<QCPRange>() : ranges();
    spec_ = spec;
    clearPlottables();
    clearItems();
    clear_layout();
    rects_.clear();
    if (runs.empty()) {
        plotLayout()->addElement(0, 0, new QCPTextElement(this, tr("Run a sweep to see the final metric against the swept value."), font()));
    } else if (spec.axes.size() == 2) {
        show_heat_maps(spec, runs, metric, selected);
    } else {
        show_line(spec, runs, metric, selected);
    }
    whole_ = ranges();
    if (user_view.size() == whole_.size()) set_ranges(user_view);
    else forget_user_view();
    replot(QCustomPlot::rpQueuedReplot);
}

// One parameter: mean per value, a band and error bars of ± one std over seeds. Without
// parameters (seeds only): one point per rule.
void SweepPlot::show_line(const SweepSpec& spec, const std::vector<SweepRun>& runs, SweepMetric metric, std::size_t selected) {
    const auto rules = sweep_rules(spec, runs);
    const bool by_rule = spec.axes.empty();
    const SweepAxis* axis = by_rule ? nullptr : &spec.axes[0];
    const bool categorical = by_rule || is_categorical(axis->parameter);
    const int seeds = spec.seeds;
    auto* title = new QCPTextElement(this, tr("%1 after the last epoch, mean ± std over %2 seed(s)").arg(metric_title(metric, runs)).arg(seeds),
                                     QFont(font().family(), font().pointSize() + 1, QFont::Bold));
    plotLayout()->addElement(0, 0, title);
    auto* rect = new QCPAxisRect(this);
    plotLayout()->addElement(1, 0, rect);
    rects_.push_back(rect);
    QCPAxis* x = rect->axis(QCPAxis::atBottom);
    QCPAxis* y = rect->axis(QCPAxis::atLeft);
    y->setLabel(metric_title(metric, runs));
    if (categorical) {
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        const int n = by_rule ? static_cast<int>(rules.size()) : static_cast<int>(axis->values.size());
        for (int i = 0; i < n; ++i)
            ticker->addTick(i, by_rule ? rule_title(QString::fromStdString(rules[static_cast<std::size_t>(i)]))
                                       : QString::fromStdString(value_label(*axis, static_cast<std::size_t>(i))).replace('_', ' '));
        x->setTicker(ticker);
        x->setRange(-0.5, n - 0.5);
        x->setTickLabelRotation(n > 4 && !by_rule ? 20 : 0);
    } else if (axis->log_scale) {
        x->setScaleType(QCPAxis::stLogarithmic);
        x->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    }
    if (axis) x->setLabel(axis_title(*axis));
    // The legend below the axes as on the curve plots, never over the points; none when the rules are the x axis already.
    QCPLegend* legend = by_rule ? nullptr : new QCPLegend;
    if (legend) {
        add_legend_row(legend, 2);
        legend->setLayer("legend");
        legend->setFont(font()); // a free-standing legend does not take the plot's font by itself
        this->legend = legend;   // so its entries wrap to the plot's width (fit_ticks_to_size) and presenter mode sizes it
    }

    double y_min = INFINITY, y_max = -INFINITY;
    for (std::size_t r = 0; r < rules.size(); ++r) {
        const QString rule = QString::fromStdString(rules[r]);
        const QColor colour = rule_colour(rule);
        QVector<double> keys, means, lows, highs, errors;
        QStringList diverged;
        const std::size_t n = by_rule ? 1 : axis->values.size();
        for (std::size_t i = 0; i < n; ++i) {
            const SeedStatistics s = seed_statistics(spec, runs, i, rules[r], metric);
            // Categorical axes: rules side by side around each tick, so error bars do not overlap.
            const double dodge = categorical && !by_rule ? 0.1 * (static_cast<double>(r) - (rules.size() - 1) / 2.0) / std::max<double>(1.0, rules.size() / 3.0) : 0.0;
            const double key = by_rule ? static_cast<double>(r) : (categorical ? static_cast<double>(i) + dodge : axis->values[i]);
            if (s.diverged) diverged << QString::number(key);
            if (s.n == 0) continue;
            keys << key;
            means << s.mean;
            lows << s.mean - s.std;
            highs << s.mean + s.std;
            errors << s.std;
            y_min = std::min(y_min, s.mean - s.std);
            y_max = std::max(y_max, s.mean + s.std);
        }
        if (!by_rule && !categorical && keys.size() > 1) {
            QCPGraph* low = addGraph(x, y);
            QCPGraph* high = addGraph(x, y);
            low->setPen(Qt::NoPen);
            high->setPen(Qt::NoPen);
            low->setData(keys, lows, true);
            high->setData(keys, highs, true);
            high->setBrush(translucent(colour, 45));
            high->setChannelFillGraph(low);
        }
        QCPGraph* mean = addGraph(x, y);
        mean->setData(keys, means, true);
        mean->setPen(QPen(colour, 2.0));
        mean->setLineStyle(categorical ? QCPGraph::lsNone : QCPGraph::lsLine);
        mean->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, 7));
        mean->setName(rule_title(rule));
        if (legend) legend->addItem(new QCPPlottableLegendItem(legend, mean));
        if (seeds > 1) {
            auto* bars = new QCPErrorBars(x, y);
            bars->setDataPlottable(mean);
            bars->setData(errors);
            bars->setPen(QPen(colour, 1.2));
        }
        // A point where some seeds diverged gets a cross in the rule's colour along the top.
        for (const QString& key : diverged) {
            auto* cross = new QCPItemText(this);
            cross->setClipAxisRect(rect);
            cross->position->setAxes(x, y);
            cross->position->setAxisRect(rect);
            cross->position->setTypeX(QCPItemPosition::ptPlotCoords);
            cross->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
            cross->position->setCoords(key.toDouble(), 0.04 + 0.05 * static_cast<double>(r));
            cross->setText(QStringLiteral("✕"));
            cross->setColor(colour);
        }
    }
    if (!categorical) {
        x->rescale();
        const QCPRange range = x->range();
        if (axis->log_scale) x->setRange(range.lower / 1.4, range.upper * 1.4);
        else x->setRange(range.lower - 0.05 * range.size() - 0.5, range.upper + 0.05 * range.size() + 0.5);
    }
    if (std::isfinite(y_min)) {
        const double pad = std::max(0.05 * (y_max - y_min), 1e-3);
        y->setRange(y_min - pad, y_max + pad);
    }
    if (!by_rule) {
        const double key = categorical ? static_cast<double>(selected) : axis->values[std::min(selected, axis->values.size() - 1)];
        auto* line = new QCPItemStraightLine(this);
        line->setClipAxisRect(rect);
        line->point1->setAxes(x, y);
        line->point2->setAxes(x, y);
        line->point1->setCoords(key, 0);
        line->point2->setCoords(key, 1);
        line->setPen(QPen(QColor(120, 120, 120), 1.0, Qt::DashLine));
    }
}

// Two parameters: one heat map per rule on a shared colour scale, mean and std written in each cell.
void SweepPlot::show_heat_maps(const SweepSpec& spec, const std::vector<SweepRun>& runs, SweepMetric metric, std::size_t selected) {
    const auto rules = sweep_rules(spec, runs);
    const SweepAxis &ax = spec.axes[0], &ay = spec.axes[1];
    const int nx = static_cast<int>(ax.values.size()), ny = static_cast<int>(ay.values.size());
    const int count = static_cast<int>(rules.size());
    const int columns = count <= 3 ? count : (count + 1) / 2;
    auto* title = new QCPTextElement(this, tr("%1 after the last epoch, mean ± std over %2 seed(s)").arg(metric_title(metric, runs)).arg(spec.seeds),
                                     QFont(font().family(), font().pointSize() + 1, QFont::Bold));
    plotLayout()->addElement(0, 0, title);
    auto* grid = new QCPLayoutGrid;
    plotLayout()->addElement(1, 0, grid);
    auto* scale = new QCPColorScale(this);
    scale->setType(QCPAxis::atRight);
    scale->setRangeDrag(false); // the colours stand for the results: only the maps zoom
    scale->setRangeZoom(false);
    scale->axis()->setLabel(metric_title(metric, runs));
    QCPColorGradient gradient(QCPColorGradient::gpThermal);
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    scale->setGradient(gradient);
    plotLayout()->addElement(1, 1, scale);
    plotLayout()->setColumnStretchFactor(1, 0.01);
    auto* margins = new QCPMarginGroup(this);

    // All rules share one range, so equal colours mean equal values across the maps.
    std::vector<std::vector<SeedStatistics>> stats(rules.size());
    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t r = 0; r < rules.size(); ++r)
        for (std::size_t p = 0; p < spec.point_count(); ++p) {
            stats[r].push_back(seed_statistics(spec, runs, p, rules[r], metric));
            if (stats[r].back().n) {
                lo = std::min(lo, stats[r].back().mean);
                hi = std::max(hi, stats[r].back().mean);
            }
        }
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (hi - lo < 1e-12) hi = lo + 1e-12;
    const QCPRange data_range(lo, hi);
    scale->setDataRange(data_range);

    auto ticker_for = [](const SweepAxis& axis, std::size_t labels) {
        // Every cell gets a tick, at most `labels` get a label, so long axes stay readable.
        const std::size_t every = (axis.values.size() + labels - 1) / labels;
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        for (std::size_t i = 0; i < axis.values.size(); ++i)
            ticker->addTick(static_cast<double>(i), i % every ? QString() : QString::fromStdString(value_label(axis, i)).replace('_', ' '));
        return ticker;
    };
    const bool write_cells = nx * ny <= 64;
    QFont cell_font = font();
    cell_font.setPointSizeF(std::max(6.0, font().pointSizeF() - 1.5));
    const auto [sel_x, sel_y] = [&] {
        const auto indices = spec.point_indices(selected);
        return std::pair<int, int>(static_cast<int>(indices[0]), static_cast<int>(indices[1]));
    }();
    for (int r = 0; r < count; ++r) {
        const QString rule = QString::fromStdString(rules[static_cast<std::size_t>(r)]);
        auto* label = new QCPTextElement(this, rule_title(rule), QFont(font().family(), font().pointSize(), QFont::Bold));
        label->setTextColor(rule_colour(rule).darker(120));
        auto* rect = new QCPAxisRect(this);
        grid->addElement((r / columns) * 2, r % columns, label);
        grid->addElement((r / columns) * 2 + 1, r % columns, rect);
        rect->setMarginGroup(QCP::msLeft | QCP::msRight | QCP::msTop | QCP::msBottom, margins);
        rects_.push_back(rect);
        QCPAxis* x = rect->axis(QCPAxis::atBottom);
        QCPAxis* y = rect->axis(QCPAxis::atLeft);
        x->setTicker(ticker_for(ax, 5)); // the maps stand side by side: narrow
        y->setTicker(ticker_for(ay, 10));
        // Axis titles once: below the bottom row, left of the first column.
        if (r + columns >= count) x->setLabel(axis_title(ax));
        if (r % columns == 0) y->setLabel(axis_title(ay));
        x->setRange(-0.5, nx - 0.5);
        y->setRange(-0.5, ny - 0.5);
        x->grid()->setVisible(false);
        y->grid()->setVisible(false);
        if (nx > 4 && is_categorical(ax.parameter)) x->setTickLabelRotation(30); // names are long
        auto* map = new QCPColorMap(x, y);
        map->data()->setSize(nx, ny);
        map->data()->setRange(QCPRange(0, nx - 1), QCPRange(0, ny - 1));
        map->setInterpolate(false);
        map->setGradient(gradient);
        map->setDataRange(data_range);
        map->setColorScale(scale);
        map->setDataRange(data_range);
        for (int i = 0; i < nx; ++i)
            for (int j = 0; j < ny; ++j) {
                const SeedStatistics& s = stats[static_cast<std::size_t>(r)][static_cast<std::size_t>(i * ny + j)];
                map->data()->setCell(i, j, s.n ? s.mean : std::nan(""));
                if (!write_cells && s.n) continue;
                auto* text = new QCPItemText(this);
                text->setClipAxisRect(rect);
                text->position->setAxes(x, y);
                text->position->setCoords(i, j);
                text->setFont(cell_font);
                text->setText(format_stat(s).replace(" ± ", "\n±"));
                // Dark cells get white text, light cells black (by perceived brightness: yellow is light).
                const QColor cell = s.n ? QColor(gradient.color(s.mean, data_range)) : QColor(Qt::white);
                const double brightness = 0.299 * cell.redF() + 0.587 * cell.greenF() + 0.114 * cell.blueF();
                text->setColor(brightness < 0.5 ? Qt::white : Qt::black);
            }
        auto* mark = new QCPItemRect(this);
        mark->setClipAxisRect(rect);
        mark->topLeft->setAxes(x, y);
        mark->bottomRight->setAxes(x, y);
        mark->topLeft->setCoords(sel_x - 0.5, sel_y + 0.5);
        mark->bottomRight->setCoords(sel_x + 0.5, sel_y - 0.5);
        mark->setPen(QPen(QColor(40, 120, 255), 2.5));
    }
    scale->setMarginGroup(QCP::msTop | QCP::msBottom, margins);
}

std::optional<std::size_t> SweepPlot::point_at(const QPointF& pos) const {
    for (const QCPAxisRect* rect : rects_) {
        if (!rect->rect().contains(pos.toPoint())) continue;
        const QCPAxis* x = rect->axis(QCPAxis::atBottom);
        const QCPAxis* y = rect->axis(QCPAxis::atLeft);
        if (spec_.axes.empty()) return 0;
        if (spec_.axes.size() == 2) {
            const auto nx = static_cast<long>(spec_.axes[0].values.size()), ny = static_cast<long>(spec_.axes[1].values.size());
            const long i = std::clamp(std::lround(x->pixelToCoord(pos.x())), 0L, nx - 1);
            const long j = std::clamp(std::lround(y->pixelToCoord(pos.y())), 0L, ny - 1);
            return static_cast<std::size_t>(i * ny + j);
        }
        // One parameter: the value drawn nearest to the click, whatever the axis scale.
        const SweepAxis& axis = spec_.axes[0];
        std::size_t best = 0;
        double best_distance = INFINITY;
        for (std::size_t i = 0; i < axis.values.size(); ++i) {
            const double key = is_categorical(axis.parameter) ? static_cast<double>(i) : axis.values[i];
            const double distance = std::abs(x->coordToPixel(key) - pos.x());
            if (distance < best_distance) best = i, best_distance = distance;
        }
        return best;
    }
    return std::nullopt;
}

QPointF SweepPlot::position_of(std::size_t point) const {
    if (rects_.empty()) return {};
    if (spec_.axes.size() == 2) {
        const auto indices = spec_.point_indices(point);
        const QCPAxisRect* rect = rects_.front();
        return {rect->axis(QCPAxis::atBottom)->coordToPixel(static_cast<double>(indices[0])),
                rect->axis(QCPAxis::atLeft)->coordToPixel(static_cast<double>(indices[1]))};
    }
    const QCPAxisRect* rect = rects_.front();
    double key = 0.0;
    if (!spec_.axes.empty()) key = is_categorical(spec_.axes[0].parameter) ? static_cast<double>(point) : spec_.axes[0].values[point];
    return {rect->axis(QCPAxis::atBottom)->coordToPixel(key), static_cast<double>(rect->center().y())};
}

void SweepPlot::mousePressEvent(QMouseEvent* event) {
    ZoomablePlot::mousePressEvent(event);
    if (const auto point = point_at(event->position())) emit pointClicked(*point);
}

// On the data a double-click opens the point (as it always did); beside it, the whole sweep again.
void SweepPlot::mouseDoubleClickEvent(QMouseEvent* event) {
    if (const auto point = point_at(event->position())) {
        QCustomPlot::mouseDoubleClickEvent(event);
        emit pointDoubleClicked(*point);
    } else {
        ZoomablePlot::mouseDoubleClickEvent(event);
    }
}

// ---------------------------------------------------------------- SweepView

SweepView::SweepView(QWidget* parent) : QWidget(parent) {
    build_controls();
    progress_timer_ = new QTimer(this);
    progress_timer_->setInterval(250);
    connect(progress_timer_, &QTimer::timeout, this, &SweepView::update_progress);
    // Results arrive in bursts on small problems: one redraw per burst keeps the window responsive.
    refresh_timer_ = new QTimer(this);
    refresh_timer_->setSingleShot(true);
    refresh_timer_->setInterval(150);
    connect(refresh_timer_, &QTimer::timeout, this, &SweepView::refresh);
    validate_controls();
    update_controls();
}

SweepView::~SweepView() {
    cancel();
    if (thread_) thread_->wait();
    delete thread_;
}

// Presenter mode enlarges the window's font: the summary plot is rebuilt with it.
void SweepView::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::FontChange) schedule_refresh();
}

void SweepView::build_controls() {
    auto* layout = new QVBoxLayout(this);
    auto* form = new QGridLayout;
    for (int a = 0; a < 2; ++a) {
        parameter_[a] = new QComboBox;
        parameter_[a]->addItem(a == 0 ? tr("nothing (seeds only)") : tr("nothing else"), QString());
        for (const auto& p : kParameters) parameter_[a]->addItem(tr(p.title), QString::fromLatin1(p.name));
        values_[a] = new QLineEdit;
        parameter_[a]->setObjectName(QStringLiteral("sweepParameter%1").arg(a + 1));
        values_[a]->setObjectName(QStringLiteral("sweepValues%1").arg(a + 1));
        values_[a]->setToolTip(tr("A:B:log:N — N values evenly spaced in log from A to B (e.g. 1e-4:1e-1:log:7)\n"
                                  "A:B:lin:N — N values evenly spaced\nA:B — every whole number from A to B (e.g. 1:4)\n"
                                  "a list — 16,32,64 or kaiming,binomial"));
        form->addWidget(new QLabel(a == 0 ? tr("Vary") : tr("and")), a, 0);
        form->addWidget(parameter_[a], a, 1);
        form->addWidget(values_[a], a, 2);
        connect(parameter_[a], &QComboBox::currentIndexChanged, this, [this, a] {
            const QString name = parameter_[a]->currentData().toString();
            for (const auto& p : kParameters)
                if (name == p.name) values_[a]->setText(QString::fromLatin1(p.example));
            if (name.isEmpty()) values_[a]->clear();
            validate_controls();
            update_controls();
        });
        connect(values_[a], &QLineEdit::textChanged, this, [this] {
            validate_controls();
            update_controls();
        });
    }
    form->setColumnStretch(2, 1);
    auto* row = new QHBoxLayout;
    seeds_ = new QSpinBox;
    seeds_->setRange(1, limits::kMaxSweepSeeds);
    seeds_->setValue(3);
    seeds_->setToolTip(tr("Runs per point: seeds s, s+1, … (initial weights, feedback matrices, batch order and the "
                          "draw of a toy data set all change with the seed)"));
    jobs_ = new QSpinBox;
    jobs_->setRange(1, 256);
    jobs_->setValue(std::max(1, QThread::idealThreadCount()));
    jobs_->setToolTip(tr("Runs trained at the same time, one per core. The numbers do not depend on it."));
    metric_ = new QComboBox;
    metric_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon); // the long names show in the list
    metric_->setMinimumContentsLength(16);
    for (const auto& name : all_names<SweepMetric>()) metric_->addItem(metric_title(parse<SweepMetric>(name)), QString::fromStdString(name));
    seeds_->setObjectName("sweepSeeds");
    jobs_->setObjectName("sweepJobs");
    metric_->setObjectName("sweepMetric");
    run_ = new QPushButton(tr("Run sweep"));
    run_->setObjectName("sweepRun");
    run_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    cancel_ = new QPushButton(tr("Cancel"));
    cancel_->setObjectName("sweepCancel");
    cancel_->setIcon(style()->standardIcon(QStyle::SP_MediaStop));
    progress_ = new QProgressBar;
    progress_->setRange(0, 1000);
    progress_->setTextVisible(false);
    progress_->setMaximumWidth(220);
    status_ = new QLabel;
    status_->setObjectName("sweepStatus");
    status_->setWordWrap(true); // on its own line: in the row it widened the window past a projector's screen
    row->addWidget(new QLabel(tr("Seeds")));
    row->addWidget(seeds_);
    row->addWidget(new QLabel(tr("Jobs")));
    row->addWidget(jobs_);
    row->addSpacing(12);
    row->addWidget(new QLabel(tr("Show")));
    row->addWidget(metric_);
    row->addSpacing(12);
    row->addWidget(run_);
    row->addWidget(cancel_);
    row->addWidget(progress_, 1);
    problem_ = new QLabel;
    problem_->setStyleSheet("QLabel { color: #b00020; }");
    problem_->setWordWrap(true);
    stale_note_ = new QLabel(tr("These results belong to other settings than the experiment panel's: running the sweep "
                                "starts over, and saving keeps only the panel's experiment."));
    stale_note_->setStyleSheet("QLabel { color: #8a5a00; }");
    stale_note_->setObjectName("sweepStaleNote");
    stale_note_->setWordWrap(true);
    stale_note_->hide();
    left_out_note_ = new QLabel;
    left_out_note_->setStyleSheet("QLabel { color: #8a5a00; }");
    left_out_note_->setObjectName("sweepLeftOut");
    left_out_note_->setWordWrap(true);
    left_out_note_->hide();
    layout->addLayout(form);
    layout->addLayout(row);
    layout->addWidget(status_);
    layout->addWidget(problem_);
    layout->addWidget(stale_note_);
    layout->addWidget(left_out_note_);

    summary_ = new SweepPlot;
    curves_ = new CurvePlot(tr("Selected point: test metric per epoch"), tr("epoch"), tr("value"));
    curves_->set_placeholder(tr("Click a point of the sweep to see its learning curves\n(mean ± std over seeds)."));
    // The results below name every rule in its colour: they are the legend, and the curves get its room
    // (a right-click brings the plot's own back).
    curves_->set_legend_shown(false);
    details_ = new QLabel;
    details_->setWordWrap(true);
    details_->setTextFormat(Qt::RichText);
    details_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    open_seed_ = new QComboBox;
    open_seed_->setToolTip(tr("Which seed's run to open"));
    open_ = new QPushButton(tr("Open this configuration"));
    open_->setObjectName("sweepOpen");
    open_seed_->setObjectName("sweepOpenSeed");
    open_->setToolTip(tr("Loads this point's experiment (with the chosen seed) into the experiment panel, with the "
                         "run's curves; Run trains it again with the same numbers. Double-click a point to open it."));
    // Nine rules' results are a dozen lines: they scroll, and a splitter gives the curves the room.
    auto* details_area = new QScrollArea;
    details_area->setWidget(details_);
    details_area->setWidgetResizable(true);
    details_area->setFrameShape(QFrame::NoFrame);
    details_area->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* curves_and_details = new QSplitter(Qt::Vertical);
    curves_and_details->addWidget(curves_);
    curves_and_details->addWidget(details_area);
    curves_and_details->setStretchFactor(0, 3);
    curves_and_details->setStretchFactor(1, 1);
    curves_and_details->setChildrenCollapsible(false);
    auto* right = new QWidget;
    auto* right_layout = new QVBoxLayout(right);
    right_layout->setContentsMargins(0, 0, 0, 0);
    right_layout->addWidget(curves_and_details, 1);
    auto* open_row = new QHBoxLayout;
    open_row->addWidget(new QLabel(tr("Seed")));
    open_row->addWidget(open_seed_);
    open_row->addWidget(open_, 1);
    right_layout->addLayout(open_row);
    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(summary_);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({600, 400}); // from the start, not only for extra room: the curves once got 190 of 1450 px
    layout->addWidget(splitter, 1);

    connect(run_, &QPushButton::clicked, this, &SweepView::startRequested);
    connect(cancel_, &QPushButton::clicked, this, &SweepView::cancel);
    connect(metric_, &QComboBox::currentIndexChanged, this, &SweepView::refresh);
    connect(summary_, &SweepPlot::pointClicked, this, &SweepView::select_point);
    connect(summary_, &SweepPlot::pointDoubleClicked, this, [this](std::size_t point) {
        select_point(point);
        request_open(0);
    });
    connect(open_, &QPushButton::clicked, this, [this] { request_open(open_seed_->currentIndex()); });
}

SweepSpec SweepView::spec_from_controls() const {
    SweepSpec spec;
    for (int a = 0; a < 2; ++a) {
        const QString name = parameter_[a]->currentData().toString();
        if (name.isEmpty()) continue;
        spec.axes.push_back(parse_sweep_axis((name + "=" + values_[a]->text().remove(' ')).toStdString()));
    }
    if (spec.axes.size() == 2 && spec.axes[0].parameter == spec.axes[1].parameter)
        throw SweepError(to_string(spec.axes[0].parameter) + " is chosen twice");
    spec.seeds = seeds_->value();
    return spec;
}

void SweepView::set_controls(const SweepSpec& spec) {
    for (int a = 0; a < 2; ++a) {
        const bool used = static_cast<std::size_t>(a) < spec.axes.size();
        const QString name = used ? QString::fromStdString(to_string(spec.axes[static_cast<std::size_t>(a)].parameter)) : QString();
        parameter_[a]->blockSignals(true);
        parameter_[a]->setCurrentIndex(std::max(0, parameter_[a]->findData(name)));
        parameter_[a]->blockSignals(false);
        const QString values = used ? QString::fromStdString(values_text(spec.axes[static_cast<std::size_t>(a)])) : QString();
        values_[a]->blockSignals(true);
        values_[a]->setText(values);
        values_[a]->blockSignals(false);
    }
    seeds_->setValue(spec.seeds);
    validate_controls();
    update_controls();
}

void SweepView::validate_controls() {
    try {
        const SweepSpec spec = spec_from_controls();
        if (spec.run_count() > static_cast<std::size_t>(limits::kMaxSweepRuns))
            throw SweepError(std::to_string(spec.run_count()) + " runs is more than the limit of " + std::to_string(limits::kMaxSweepRuns));
        problem_->clear();
        status_->setText(running() ? status_->text() : tr("%n run(s)", "", static_cast<int>(spec.run_count())));
    } catch (const SweepError& e) {
        problem_->setText(QString::fromStdString(e.what()));
    }
}

QString SweepView::problem() const { return problem_->text(); }

void SweepView::update_controls() {
    const bool busy = running();
    for (int a = 0; a < 2; ++a) {
        parameter_[a]->setEnabled(!busy && (a == 0 || !parameter_[0]->currentData().toString().isEmpty()));
        values_[a]->setEnabled(!busy && !parameter_[a]->currentData().toString().isEmpty());
    }
    seeds_->setEnabled(!busy);
    jobs_->setEnabled(!busy);
    run_->setEnabled(!busy && problem_->text().isEmpty());
    cancel_->setEnabled(busy);
    progress_->setVisible(busy);
    open_->setEnabled(!runs_.empty());
    open_seed_->setEnabled(!runs_.empty());
}

void SweepView::set_jobs(int jobs) { jobs_->setValue(jobs); }

SweepMetric SweepView::metric() const { return parse<SweepMetric>(metric_->currentData().toString().toStdString()); }

bool SweepView::start(const Experiment& base) {
    if (running()) return false;
    SweepSpec spec;
    try {
        spec = spec_from_controls();
    } catch (const SweepError& e) {
        problem_->setText(QString::fromStdString(e.what()));
        return false;
    }
    // Results live in the experiment file (and its autosave): they must fit one.
    if (const std::size_t bound = sweep_file_bytes_bound(spec.run_count(), sweep_config(base.training, spec, 0, 0).rules.size(), base.training.epochs);
        bound > json::kMaxBytes) {
        problem_->setText(tr("%1 runs could take up to %2 MiB in the experiment file, more than it may hold (%3 MiB): use fewer "
                             "runs or epochs, or f3studio-cli sweep --csv.")
                              .arg(spec.run_count())
                              .arg(bound >> 20)
                              .arg(json::kMaxBytes >> 20));
        return false;
    }
    // The same settings keep what was already run (more seeds or values cost only the new runs).
    SweepResume resume = plan_sweep_resume(base_, spec_, runs_, base, spec);
    if (!confirm_left_out(resume)) return false;
    base_ = base;
    base_.sweep.reset();
    base_.sweep_runs.clear();
    base_.recorded_metrics.clear();
    spec_ = spec;
    runs_ = std::move(resume.kept);
    kept_runs_ = runs_.size();
    const std::vector<std::size_t> skip = std::move(resume.skip);
    selected_ = std::min(selected_, spec.point_count() - 1);
    user_selected_ = false;
    panel_setup_ = base;
    update_stale_note();
    problem_->clear();
    {
        const std::lock_guard lock(runner_mutex_);
        runner_.reset();
        cancel_requested_ = false;
    }
    const int generation = ++generation_;
    const int jobs = jobs_->value();
    const Experiment experiment = base_;
    thread_ = QThread::create([this, experiment, spec, jobs, skip, generation] {
        QString failure;
        try {
            auto runner = std::make_shared<SweepRunner>(experiment, spec); // loads the data
            {
                const std::lock_guard lock(runner_mutex_);
                runner_ = runner;
                if (cancel_requested_) runner->cancel();
            }
            QMetaObject::invokeMethod(this, [this, task = runner->task(), generation] {
                // Accuracy means nothing for regression: show the test MSE instead.
                if (generation == generation_ && task == Task::Regression && metric() == SweepMetric::TestAccuracy)
                    metric_->setCurrentIndex(metric_->findData(QString::fromStdString(to_string(SweepMetric::TestMse))));
            }, Qt::QueuedConnection);
            runner->run(jobs, [this, generation](const SweepRun& run) {
                QMetaObject::invokeMethod(this, [this, run, generation] { add_run(run, generation); }, Qt::QueuedConnection);
            }, skip);
        } catch (const std::bad_alloc&) {
            failure = tr("Out of memory: the data set or network is too large for this machine.");
        } catch (const std::exception& e) {
            failure = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(this, [this, generation, failure] { finish(generation, failure); }, Qt::QueuedConnection);
    });
    if (!thread_start_refused()) thread_->start();
    if (!thread_->isRunning()) // the system refused a thread (limits): a message, not a wait forever
        QMetaObject::invokeMethod(this, [this, generation] {
            finish(generation, tr("Could not start the sweep's thread: the system refused to create one (process or memory limits)."));
        }, Qt::QueuedConnection);
    started_ms_ = QDateTime::currentMSecsSinceEpoch();
    progress_->setValue(0);
    status_->setText(tr("Loading %1…").arg(QString::fromStdString(base_.dataset.source)));
    progress_timer_->start();
    update_controls();
    refresh();
    return true;
}

void SweepView::cancel() {
    const std::lock_guard lock(runner_mutex_);
    cancel_requested_ = true;
    if (runner_) runner_->cancel();
}

void SweepView::add_run(const SweepRun& run, int generation) {
    if (generation != generation_) return;
    runs_.push_back(run);
    emit resultsChanged();
    schedule_refresh();
}

void SweepView::finish(int generation, const QString& problem) {
    if (generation != generation_ || !thread_) return;
    thread_->wait();
    delete thread_;
    thread_ = nullptr;
    progress_timer_->stop();
    bool cancelled = false;
    {
        const std::lock_guard lock(runner_mutex_);
        cancelled = cancel_requested_;
        runner_.reset();
    }
    const double seconds = static_cast<double>(QDateTime::currentMSecsSinceEpoch() - started_ms_) / 1000.0;
    const std::size_t made = runs_trained();
    if (!problem.isEmpty()) {
        problem_->setText(problem);
        status_->setText(tr("Stopped: %1 of %2 runs").arg(runs_.size()).arg(spec_.run_count()));
    } else if (cancelled) {
        status_->setText(tr("Cancelled: %1 of %2 runs kept").arg(runs_.size()).arg(spec_.run_count()));
    } else if (made == 0) {
        status_->setText(tr("All %1 runs were already done").arg(runs_.size()));
    } else {
        status_->setText(tr("Done: %1 runs in %2 s (%3 runs/min)")
                             .arg(made)
                             .arg(seconds, 0, 'g', 2)
                             .arg(seconds > 0 ? static_cast<double>(made) * 60.0 / seconds : 0.0, 0, 'f', 0));
    }
    if (!user_selected_) selected_ = point_where_rules_differ_most();
    update_stale_note(); // the panel may have changed while the sweep ran
    update_controls();
    refresh();
    emit sweepFinished();
}

void SweepView::update_progress() {
    std::shared_ptr<SweepRunner> runner;
    {
        const std::lock_guard lock(runner_mutex_);
        runner = runner_;
    }
    if (!runner) return;
    const double fraction = runner->progress();
    progress_->setValue(static_cast<int>(fraction * 1000.0));
    QString text = tr("%1 of %2 runs").arg(runs_.size()).arg(spec_.run_count());
    const double elapsed = static_cast<double>(QDateTime::currentMSecsSinceEpoch() - started_ms_) / 1000.0;
    if (fraction > 0.02 && elapsed > 2.0) {
        const double left = elapsed * (1.0 - fraction) / fraction;
        text += left < 90 ? tr(" · about %1 s left").arg(std::ceil(left)) : tr(" · about %1 min left").arg(std::ceil(left / 60.0));
    }
    status_->setText(text);
}

void SweepView::schedule_refresh() {
    if (!refresh_timer_->isActive()) refresh_timer_->start();
}

void SweepView::show_saved(const Experiment& experiment) {
    cancel();
    if (thread_) {
        thread_->wait();
        finish(generation_, {});
    }
    ++generation_;
    base_ = experiment;
    base_.sweep.reset();
    base_.sweep_runs.clear();
    base_.recorded_metrics.clear();
    spec_ = experiment.sweep.value_or(SweepSpec{});
    runs_ = experiment.sweep ? experiment.sweep_runs : std::vector<SweepRun>{};
    kept_runs_ = runs_.size();
    selected_ = point_where_rules_differ_most();
    user_selected_ = false;
    panel_setup_ = experiment; // the window shows a saved sweep together with its experiment
    left_out_note_->clear();
    left_out_note_->hide();
    update_stale_note();
    if (experiment.sweep) set_controls(spec_);
    status_->setText(runs_.empty() ? QString() : tr("%1 of %2 runs saved in the file").arg(runs_.size()).arg(spec_.run_count()));
    update_controls();
    refresh();
}

void SweepView::add_to(Experiment& experiment) const {
    if (runs_.empty() || !same_training_settings(base_, experiment)) return;
    experiment.sweep = spec_;
    experiment.sweep_runs = runs_;
    sort_runs(experiment.sweep_runs);
}

void SweepView::set_current_setup(const Experiment& setup) {
    panel_setup_ = setup;
    update_stale_note();
}

// Stored runs the sweep would leave out are never dropped unasked: Cancel changes nothing. Without
// questions the sweep goes on, and the note says what it left out until the next start or file.
bool SweepView::confirm_left_out(const SweepResume& resume) {
    const std::string what = left_out_runs_text(resume, runs_.size());
    const QString text = what.empty() ? QString()
                                      : tr("%1; running this sweep leaves them out. The file keeps them until you save.")
                                            .arg(QString::fromStdString(what));
    if (!text.isEmpty() && interactive_) {
        QMessageBox box(QMessageBox::Question, tr("Leave out stored runs?"), text, QMessageBox::Ok | QMessageBox::Cancel, this);
        box.button(QMessageBox::Ok)->setText(tr("Run the sweep"));
        box.setDefaultButton(QMessageBox::Cancel);
        if (box.exec() != QMessageBox::Ok) return false;
    }
    left_out_note_->setText(text);
    left_out_note_->setVisible(!text.isEmpty());
    return true;
}

void SweepView::update_stale_note() {
    stale_note_->setVisible(!running() && !runs_.empty() && panel_setup_ && !same_training_settings(base_, *panel_setup_));
}

void SweepView::select_point(std::size_t point) {
    if (point >= spec_.point_count()) return;
    selected_ = point;
    user_selected_ = true;
    refresh();
}

// The point whose rules end furthest apart in the shown metric: where the curves say the most.
std::size_t SweepView::point_where_rules_differ_most() const {
    const auto rules = sweep_rules(spec_, runs_);
    std::size_t best = 0;
    double widest = -1.0;
    for (std::size_t p = 0; p < spec_.point_count(); ++p) {
        double lo = INFINITY, hi = -INFINITY;
        for (const auto& rule : rules) {
            const SeedStatistics s = seed_statistics(spec_, runs_, p, rule, metric());
            if (!s.n) continue;
            lo = std::min(lo, s.mean);
            hi = std::max(hi, s.mean);
        }
        if (hi - lo > widest) best = p, widest = hi - lo;
    }
    return best;
}

Experiment SweepView::run_experiment(std::size_t point, int seed_index) const {
    Experiment e = sweep_experiment(base_, spec_, point, seed_index);
    const std::string where = spec_.axes.empty() ? std::string() : spec_.point_label(point) + ", ";
    e.name = (base_.name.empty() ? std::string("Sweep") : base_.name) + " at " + where + "seed " + std::to_string(e.training.seed);
    return e;
}

void SweepView::request_open(int seed_index) {
    if (runs_.empty()) return;
    seed_index = std::clamp(seed_index, 0, spec_.seeds - 1);
    const Experiment e = run_experiment(selected_, seed_index);
    std::vector<EpochMetrics> history;
    for (const auto& run : runs_)
        if (run.point == selected_ && run.seed_index == seed_index) history = run.history;
    emit openRequested(e, history, QString::fromStdString(e.name));
}

QString SweepView::details_text() const { return details_->text(); }

void SweepView::refresh() {
    refresh_timer_->stop();
    const SweepMetric shown = metric();
    summary_->show_results(spec_, runs_, shown, selected_);

    // The selected point: mean ± std per epoch for each rule.
    curves_->clear_series();
    const auto rules = sweep_rules(spec_, runs_);
    const std::string where = spec_.axes.empty() ? std::string("this configuration") : spec_.point_label(selected_);
    curves_->set_title(QString::fromStdString(where));
    curves_->yAxis->setLabel(metric_title(shown, runs_));
    int epochs = 0;
    for (const auto& run : runs_)
        if (run.point == selected_ && !run.history.empty()) epochs = std::max(epochs, run.history.back().epoch);
    QStringList lines, gap_notes;
    for (const auto& rule_name : rules) {
        const QString rule = QString::fromStdString(rule_name);
        const QColor colour = rule_colour(rule);
        curves_->band_series("mean:" + rule, rule_title(rule), colour)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
        for (int epoch = 1; epoch <= epochs; ++epoch) {
            const SeedStatistics s = seed_statistics(spec_, runs_, selected_, rule_name, shown, epoch);
            if (s.n) curves_->set_band_point("mean:" + rule, epoch, s.mean, s.mean - s.std, s.mean + s.std);
        }
        const SeedStatistics last = seed_statistics(spec_, runs_, selected_, rule_name, shown);
        QString line = QStringLiteral("<span style='color:%1'>■</span> <b>%2</b> %3").arg(colour.name(), rule_title(rule), format_stat(last));
        if (last.n + last.diverged > 0) line += tr(" <small>(%1 seed(s)").arg(last.n + last.diverged);
        if (last.diverged) line += tr(", %1 diverged").arg(last.diverged);
        if (last.n + last.diverged > 0) line += QStringLiteral(")</small>");
        if (shown != SweepMetric::GapClosed) {
            const SeedStatistics gap = seed_statistics(spec_, runs_, selected_, rule_name, SweepMetric::GapClosed);
            // BP and the baseline close 1 and 0 of the gap by definition.
            const QString baseline = QString::fromStdString(to_string(base_.instruments.gap_baseline));
            if (rule_name != reference_rule().info().name && rule_name != baseline.toStdString() && (gap.n || !gap.note.empty()))
                line += tr(" · gap closed vs %1 %2").arg(rule_title(baseline), format_stat(gap));
            if (!gap.note.empty() && !gap_notes.contains(QString::fromStdString(gap.note))) gap_notes << QString::fromStdString(gap.note);
        }
        lines << line;
    }
    // Whole epochs on the x axis.
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    curves_->xAxis->setTicker(ticker);
    curves_->set_placeholder(runs_.empty() ? tr("Click a point of the sweep to see its learning curves\n(mean ± std over seeds).") : QString());
    curves_->refresh();
    QString head = QStringLiteral("<b>%1</b>").arg(QString::fromStdString(where).toHtmlEscaped());
    int seeds_here = 0;
    for (const auto& run : runs_) seeds_here += run.point == selected_;
    head += tr(" — %1 of %2 seed(s) done").arg(seeds_here).arg(spec_.seeds);
    details_->setText(runs_.empty() ? tr("No results yet.") : head + "<br>" + lines.join("<br>"));
    // "–" stands for a gap closed that is undefined: the tooltip says why.
    details_->setToolTip(gap_notes.isEmpty() ? QString() : tr("Gap closed %1").arg(gap_notes.join("; ")));

    // Seeds offered for opening: the sweep's seeds for this experiment.
    const int previous = open_seed_->currentIndex();
    open_seed_->clear();
    for (int k = 0; k < spec_.seeds && !runs_.empty(); ++k)
        open_seed_->addItem(QString::number(base_.training.seed + static_cast<std::uint64_t>(k)));
    open_seed_->setCurrentIndex(std::clamp(previous, 0, std::max(0, open_seed_->count() - 1)));
    update_controls();
}

} // namespace f3::gui
