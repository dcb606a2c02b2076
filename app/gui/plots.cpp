#include "plots.hpp"

#include "rule_style.hpp"
#include "training_session.hpp"

#include <QAction>
#include <QLocale>
#include <QToolTip>
#include <algorithm>
#include <functional>
#include <numeric>
#include <cmath>

namespace f3::gui {
namespace {

QCPTextElement* add_title(QCustomPlot* plot, const QString& text) {
    plot->plotLayout()->insertRow(0);
    auto* title = new QCPTextElement(plot, text, QFont(plot->font().family(), plot->font().pointSize() + 1, QFont::Bold));
    plot->plotLayout()->addElement(0, 0, title);
    return title;
}

// Breaks `text` into lines at its spaces, each line as long as `fits` allows (a longer word stays whole).
QString wrapped(const QString& text, const std::function<bool(const QString&)>& fits) {
    QStringList lines;
    QString current;
    for (const QString& word : text.split(' ', Qt::SkipEmptyParts)) {
        if (!current.isEmpty() && !fits(current + ' ' + word)) {
            lines << current;
            current.clear();
        }
        current += (current.isEmpty() ? "" : " ") + word;
    }
    if (!current.isEmpty()) lines << current;
    return lines.join('\n');
}

// Wraps a text element or item to `room` pixels at its font, each of its lines on its own. The
// whole text is kept aside, so the next size wraps it anew; a text set by its owner replaces it.
template <class Text> void wrap_to(Text* text, int room) {
    if (text->text() != text->property("shown").toString()) text->setProperty("whole", text->text());
    const QFontMetrics metrics(text->font());
    QStringList lines;
    for (const QString& line : text->property("whole").toString().split('\n'))
        lines << wrapped(line, [&](const QString& part) { return metrics.horizontalAdvance(part) <= room; });
    const QString shown = lines.join('\n');
    text->setText(shown);
    text->setProperty("shown", shown);
}

QColor op_colour(OpKind kind) {
    switch (kind) {
    case OpKind::Forward: return QColor(70, 120, 200);
    case OpKind::Projection: return QColor(230, 159, 0);
    case OpKind::Backward: return QColor(200, 60, 60);
    case OpKind::Update: return QColor(40, 160, 90);
    case OpKind::Store: return QColor(140, 140, 140);
    }
    return Qt::black;
}

} // namespace

QColor class_colour(int k) {
    static const QColor palette[] = {QColor(0, 114, 178), QColor(213, 94, 0),   QColor(0, 158, 115), QColor(204, 121, 167),
                                     QColor(230, 159, 0), QColor(86, 180, 233), QColor(120, 94, 60), QColor(90, 90, 90),
                                     QColor(240, 228, 66), QColor(0, 0, 0)};
    return palette[static_cast<std::size_t>(k) % std::size(palette)];
}

namespace {

// The most columns a legend's entries fit in within `room` pixels, each column as wide as its own
// widest entry (QCPLayoutGrid sizes columns one by one): short names share a row with long ones.
int legend_columns(QCPLegend* legend, int room) {
    std::vector<int> widths;
    for (int i = 0; i < legend->elementCount(); ++i)
        if (QCPLayoutElement* item = legend->elementAt(i)) widths.push_back(item->minimumOuterSizeHint().width());
    for (auto columns = static_cast<int>(widths.size()); columns > 1; --columns) {
        std::vector<int> column_width(static_cast<std::size_t>(columns), 0);
        for (std::size_t i = 0; i < widths.size(); ++i)
            column_width[i % column_width.size()] = std::max(column_width[i % column_width.size()], widths[i]);
        if (std::accumulate(column_width.begin(), column_width.end(), legend->columnSpacing() * (columns - 1)) <= room) return columns;
    }
    return 1;
}

} // namespace

void fit_ticks_to_size(QCustomPlot* plot, int width) {
    for (QCPAxisRect* rect : plot->axisRects())
        for (QCPAxis* axis : rect->axes()) {
            const QFontMetrics metrics(axis->tickLabelFont());
            const bool horizontal = axis->orientation() == Qt::Horizontal;
            // Room for a label like "-12.5" and a gap beside it, or for two lines of text.
            const double room = horizontal ? 2.0 * metrics.horizontalAdvance("-12.5") : 2.0 * metrics.height();
            const double length = horizontal ? rect->width() : rect->height();
            axis->ticker()->setTickCount(std::clamp(static_cast<int>(length / room), 3, 8));
        }
    // A title wider than the plot (presenter mode's font beside a lesson) wraps at its spaces.
    const int room = (width > 0 ? width : plot->width()) - 16;
    for (QCPLayoutElement* element : plot->plotLayout()->elements(true))
        if (auto* title = qobject_cast<QCPTextElement*>(element)) wrap_to(title, room);
    // So do texts across the data area (a placeholder beside a lesson at 1280x720).
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* text = qobject_cast<QCPItemText*>(plot->item(i)); text && text->property("wrapsInAxisRect").toBool())
            wrap_to(text, text->clipAxisRect()->width() - 16);
    QCPLegend* legend = plot->legend;
    if (!legend || !legend->layout() || qobject_cast<QCPLayoutInset*>(legend->layout()) || legend->elementCount() == 0) return;
    const int columns = legend_columns(legend, (width > 0 ? width : plot->width()) - 20);
    if (columns != legend->wrap()) {
        legend->setWrap(columns);
        legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
    }
}

void set_plot_font(QCustomPlot* plot, const QFont& font) {
    auto set_axis = [&font](QCPAxis* axis) {
        axis->setTickLabelFont(font);
        axis->setLabelFont(font);
    };
    for (QCPAxisRect* rect : plot->axisRects())
        for (QCPAxis* axis : rect->axes()) set_axis(axis);
    for (QCPLayoutElement* element : plot->plotLayout()->elements(true)) {
        if (auto* text = qobject_cast<QCPTextElement*>(element)) {
            QFont title = font;
            title.setBold(true);
            title.setPointSizeF(font.pointSizeF() + 1);
            text->setFont(title);
        } else if (auto* legend = qobject_cast<QCPLegend*>(element)) {
            legend->setFont(font);
        } else if (auto* scale = qobject_cast<QCPColorScale*>(element)) {
            set_axis(scale->axis());
        }
    }
    if (plot->legend) plot->legend->setFont(font);
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* text = qobject_cast<QCPItemText*>(plot->item(i))) {
            QFont f = font;
            f.setBold(text->font().bold());
            text->setFont(f);
        }
    plot->replot(QCustomPlot::rpQueuedReplot);
}

// A layout column is no wider than its narrowest element's maximum, and a legend's maximum is its
// entries' width (an empty one's 14 pixels squeezed the axes of an untrained plot): stretchable
// fillers either side of the legend keep that from limiting the axes, and centre the legend.
QCPLayoutGrid* legend_row(QCustomPlot* plot, QCPLegend* legend, int at) {
    auto* row = new QCPLayoutGrid;
    plot->plotLayout()->addElement(at, 0, row); // in the plot first: a legend made on its own takes the plot from the row
    plot->plotLayout()->setRowStretchFactor(at, 0.001);
    row->addElement(0, 0, new QCPLayoutElement(plot));
    row->addElement(0, 1, legend);
    row->addElement(0, 2, new QCPLayoutElement(plot));
    legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    legend->setBorderPen(Qt::NoPen);
    return row;
}

// ---------------------------------------------------------------- ZoomablePlot

ZoomablePlot::ZoomablePlot(QWidget* parent) : QCustomPlot(parent) { setInteractions(QCP::iRangeDrag | QCP::iRangeZoom); }

void ZoomablePlot::reset_view() {
    user_view_ = false;
    fit_view();
    replot(QCustomPlot::rpQueuedReplot);
}

QList<QCPRange> ZoomablePlot::ranges() const {
    QList<QCPRange> all;
    for (QCPAxisRect* rect : axisRects())
        for (QCPAxis* axis : rect->axes()) all << axis->range();
    return all;
}

void ZoomablePlot::set_ranges(const QList<QCPRange>& ranges) {
    qsizetype i = 0;
    for (QCPAxisRect* rect : axisRects())
        for (QCPAxis* axis : rect->axes())
            if (i < ranges.size()) axis->setRange(ranges[i++]);
}

// The view is the user's once a drag or the wheel has moved it (a plain click leaves it following).
void ZoomablePlot::mouseMoveEvent(QMouseEvent* event) {
    if (event->buttons() == Qt::NoButton) {
        QCustomPlot::mouseMoveEvent(event);
        return;
    }
    const QList<QCPRange> before = ranges();
    QCustomPlot::mouseMoveEvent(event);
    if (ranges() != before) user_view_ = true;
}

void ZoomablePlot::wheelEvent(QWheelEvent* event) {
    const QList<QCPRange> before = ranges();
    QCustomPlot::wheelEvent(event);
    if (ranges() != before) user_view_ = true;
}

void ZoomablePlot::mouseDoubleClickEvent(QMouseEvent* event) {
    QCustomPlot::mouseDoubleClickEvent(event);
    reset_view();
}

void ZoomablePlot::clear_layout() {
    delete legend_row_; // leaves the layout if it is in it
    plotLayout()->clear();
}

void ZoomablePlot::add_legend_row(QCPLegend* legend, int row) {
    delete legend_row_;
    legend_row_ = legend_row(this, legend, row);
    legend_row_index_ = row;
    if (!legend_action_) {
        legend_action_ = new QAction(tr("Show legend"), this);
        legend_action_->setCheckable(true);
        legend_action_->setChecked(true);
        legend_action_->setToolTip(tr("Uncheck to give the legend's room to the axes"));
        connect(legend_action_, &QAction::toggled, this, &ZoomablePlot::set_legend_shown);
        addAction(legend_action_);
        setContextMenuPolicy(Qt::ActionsContextMenu);
    }
    set_legend_shown(legend_action_->isChecked());
}

// A layout row keeps the room of what it holds, visible or not: a collapsed legend leaves the layout.
void ZoomablePlot::set_legend_shown(bool shown) {
    if (!legend_action_) return;
    if (legend_action_->isChecked() != shown) {
        legend_action_->setChecked(shown); // toggled() comes back here
        return;
    }
    if (!legend_row_) return;
    if (shown && !legend_row_->layout()) {
        plotLayout()->addElement(legend_row_index_, 0, legend_row_);
        plotLayout()->setRowStretchFactor(legend_row_index_, 0.001);
    } else if (!shown && legend_row_->layout()) {
        plotLayout()->take(legend_row_);
        plotLayout()->simplify();
    }
    if (legend) legend->setVisible(shown);
    replot(QCustomPlot::rpQueuedReplot);
}

// ---------------------------------------------------------------- CurvePlot

CurvePlot::CurvePlot(const QString& title, const QString& x_label, const QString& y_label, QWidget* parent) : ZoomablePlot(parent) {
    title_ = add_title(this, title);
    xAxis->setLabel(x_label);
    yAxis->setLabel(y_label);
    axisRect()->insetLayout()->take(legend);
    add_legend_row(legend, 2);
    connect(this, &QCustomPlot::legendClick, this, [this](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
        if (auto* entry = qobject_cast<QCPPlottableLegendItem*>(item))
            if (auto* graph = qobject_cast<QCPGraph*>(entry->plottable())) set_series_visible(graph, !graph->visible());
    });
    setToolTip(QString());
    // Live curves with thousands of points: antialiased, semi-transparent polylines cost ~30 ms a
    // replot in software rendering; plain fast polylines keep a replot within a frame.
    setPlottingHints(QCP::phFastPolylines | QCP::phCacheLabels);
    setNotAntialiasedElements(QCP::aePlottables);
    setMouseTracking(true);
}

QCPGraph* CurvePlot::series(const QString& key, const QString& label, const QColor& colour, bool dashed, bool dotted) {
    if (auto* existing = graphs_.value(key)) return existing;
    QCPGraph* graph = addGraph();
    QPen pen(colour, line_width_);
    if (dashed) pen.setStyle(Qt::DashLine);
    if (dotted) pen.setStyle(Qt::DotLine);
    graph->setPen(pen);
    graph->setName(label);
    graph->setAdaptiveSampling(true);
    graphs_.insert(key, graph);
    return graph;
}

QCPGraph* CurvePlot::smoothed_series(const QString& key, const QString& label, const QColor& colour) {
    if (averages_.contains(key)) return averages_[key].line;
    QColor faint = colour;
    faint.setAlpha(60);
    QCPGraph* raw = series(key, label + tr(" (raw)"), faint);
    raw->removeFromLegend();
    QCPGraph* line = series("smoothed:" + key, label, colour);
    averages_.insert(key, Average{line});
    companions_[line] << raw;
    return line;
}

QCPGraph* CurvePlot::band_series(const QString& key, const QString& label, const QColor& colour) {
    QCPGraph* mean = series(key, label, colour);
    if (companions_.contains(mean)) return mean;
    QCPGraph* low = series("low:" + key, QString(), colour);
    QCPGraph* high = series("high:" + key, QString(), colour);
    QColor fill = colour;
    fill.setAlpha(45);
    low->setPen(Qt::NoPen);
    high->setPen(Qt::NoPen);
    high->setBrush(fill);
    high->setChannelFillGraph(low);
    low->removeFromLegend();
    high->removeFromLegend();
    companions_[mean] << low << high;
    return mean;
}

// Replaces the point at x (a running epoch's aggregate changes until the epoch ends).
void CurvePlot::set_band_point(const QString& key, double x, double mean, double low, double high) {
    if (!std::isfinite(mean)) return;
    const std::pair<QString, double> parts[] = {{key, mean}, {"low:" + key, low}, {"high:" + key, high}};
    for (const auto& [name, value] : parts)
        if (QCPGraph* g = graphs_.value(name)) {
            g->data()->remove(x);
            g->addData(x, value);
        }
}

void CurvePlot::append(const QString& key, double x, double y) {
    QCPGraph* graph = graphs_.value(key);
    if (!graph || !std::isfinite(y)) return;
    graph->addData(x, y);
    if (graph->dataCount() > kMaxPointsPerSeries) thin(graph);
    if (auto it = averages_.find(key); it != averages_.end()) smooth(*it, x, y);
}

// TensorBoard's exponential moving average, with the start-up bias towards 0 divided out.
void CurvePlot::smooth(Average& average, double x, double y) {
    average.biased = smoothing_ * average.biased + (1.0 - smoothing_) * y;
    ++average.count;
    const double debias = 1.0 - std::pow(smoothing_, average.count);
    average.line->addData(x, debias > 0.0 ? average.biased / debias : y);
    if (average.line->dataCount() > kMaxPointsPerSeries) thin(average.line);
}

void CurvePlot::set_smoothing(double weight) {
    smoothing_ = std::clamp(weight, 0.0, 0.999);
    for (auto it = averages_.begin(); it != averages_.end(); ++it) {
        it->line->data()->clear();
        it->biased = 0.0;
        it->count = 0;
        for (const QCPGraphData& point : *graphs_.value(it.key())->data()) smooth(*it, point.key, point.value);
    }
    refresh();
}

QCPGraph* CurvePlot::smoothed(const QString& key) const { return averages_.contains(key) ? averages_[key].line : nullptr; }

void CurvePlot::set_series_visible(QCPGraph* graph, bool visible) {
    graph->setVisible(visible);
    for (QCPGraph* companion : companions_.value(graph)) companion->setVisible(visible);
    if (QCPPlottableLegendItem* item = legend->itemWithPlottable(graph))
        item->setTextColor(visible ? Qt::black : QColor(170, 170, 170));
    replot(QCustomPlot::rpQueuedReplot);
}

// Bounded memory on long runs: keep the newer half as it is and every other point of the older half.
void CurvePlot::thin(QCPGraph* graph) {
    QVector<double> keys, values;
    const int n = graph->dataCount(), half = n / 2;
    int i = 0;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it, ++i)
        if (i >= half || i % 2 == 0) {
            keys << it->key;
            values << it->value;
        }
    graph->setData(keys, values, true);
}

void CurvePlot::set_placeholder(const QString& text) {
    if (!placeholder_) {
        placeholder_ = new QCPItemText(this);
        placeholder_->position->setType(QCPItemPosition::ptAxisRectRatio);
        placeholder_->position->setCoords(0.5, 0.5);
        placeholder_->setColor(QColor(110, 110, 110));
        placeholder_->setClipToAxisRect(false);
        placeholder_->setProperty("wrapsInAxisRect", true);
    }
    placeholder_->setText(text);
    refresh();
}

void CurvePlot::add_marker(double x, const QString& text) {
    const QColor ink(90, 90, 90);
    auto* line = new QCPItemStraightLine(this);
    line->setPen(QPen(ink, 1.0, Qt::DashDotLine));
    line->point1->setCoords(x, 0.0);
    line->point2->setCoords(x, 1.0);
    for (QCPItemPosition* p : {line->point1, line->point2}) p->setTypeY(QCPItemPosition::ptAxisRectRatio);
    auto* label = new QCPItemText(this);
    label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(x, 0.0);
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    label->setPadding(QMargins(3, 2, 3, 2));
    label->setBrush(QColor(255, 255, 255, 200));
    label->setColor(ink);
    label->setFont(xAxis->tickLabelFont());
    label->setText(text);
    markers_.append({line, label});
    replot(QCustomPlot::rpQueuedReplot);
}

QStringList CurvePlot::marker_texts() const {
    QStringList texts;
    for (const auto& marker : markers_) texts << marker.second->text();
    return texts;
}

// Also forgets the previous run's axes: an empty plot shows the start of a run, not the end of the last.
void CurvePlot::clear_series() {
    clearGraphs();
    for (const auto& [line, label] : std::as_const(markers_)) {
        removeItem(line);
        removeItem(label);
    }
    markers_.clear();
    graphs_.clear();
    averages_.clear();
    companions_.clear();
    forget_user_view();
    xAxis->setRange(0.0, 1.0);
    yAxis->setRange(log_y_ ? 0.1 : 0.0, 1.0);
    refresh();
}

void CurvePlot::set_log_y(bool log) {
    log_y_ = log;
    yAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    yAxis->setTicker(log ? QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog) : QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    refresh();
}

void CurvePlot::set_line_width(double width) {
    line_width_ = width;
    for (QCPGraph* g : std::as_const(graphs_)) {
        QPen pen = g->pen();
        pen.setWidthF(width);
        g->setPen(pen);
    }
    refresh();
}

void CurvePlot::showEvent(QShowEvent* event) {
    QCustomPlot::showEvent(event);
    if (stale_) refresh();
}

void CurvePlot::refresh() {
    // A hidden plot keeps its data but does not render it until it is shown (or exported).
    stale_ = !isVisible();
    if (!stale_) rescale();
}

void CurvePlot::rescale() {
    if (placeholder_) placeholder_->setVisible(!has_points() && !placeholder_->text().isEmpty());
    if (follows_data()) fit_view();
    replot(QCustomPlot::rpQueuedReplot);
}

bool CurvePlot::has_points() const {
    return std::any_of(graphs_.cbegin(), graphs_.cend(), [](const QCPGraph* g) { return g->dataCount() > 0; });
}

void CurvePlot::fit_view() {
    if (!has_points()) return; // an empty plot keeps the axes clear_series gave it
    rescaleAxes(true);
    xAxis->setRange(0.0, std::max(xAxis->range().upper, 1.0)); // x is always epochs, from the start
    if (!log_y_) {
        const QCPRange r = yAxis->range();
        yAxis->setRange(r.lower - 0.05 * r.size(), r.upper + 0.05 * r.size());
    }
}

int CurvePlot::point_count(const QString& key) const {
    const QCPGraph* g = graphs_.value(key);
    return g ? g->dataCount() : 0;
}

void CurvePlot::mouseMoveEvent(QMouseEvent* event) {
    ZoomablePlot::mouseMoveEvent(event);
    const double x = xAxis->pixelToCoord(event->position().x());
    auto nearest = [x](const QCPGraph* g) {
        auto it = g->data()->findBegin(x, false);
        return it == g->data()->constEnd() ? it - 1 : it;
    };
    QStringList lines;
    for (int i = 0; i < graphCount(); ++i) {
        QCPGraph* g = graph(i);
        if (g->dataCount() == 0 || !g->visible() || !legend->hasItemWithPlottable(g)) continue;
        auto it = nearest(g);
        QString line = QString("<span style='color:%1'>■</span> %2: %3").arg(g->pen().color().name(), g->name()).arg(it->value, 0, 'g', 4);
        const QList<QCPGraph*> others = companions_.value(g);
        if (others.size() == 1 && others[0]->dataCount() > 0) line += tr(" (raw %1)").arg(nearest(others[0])->value, 0, 'g', 4);
        if (others.size() == 2 && others[0]->dataCount() > 0)
            line += tr(" (from %1 to %2)").arg(nearest(others[0])->value, 0, 'g', 4).arg(nearest(others[1])->value, 0, 'g', 4);
        lines << line + tr(" at %1").arg(it->key, 0, 'g', 4);
    }
    if (!lines.isEmpty()) QToolTip::showText(event->globalPosition().toPoint(), lines.join("<br>"), this);
}

// ---------------------------------------------------------------- TimelinePlot

TimelinePlot::TimelinePlot(QWidget* parent) : ZoomablePlot(parent) {
    add_title(this, tr("Who waits for whom: one training step and the next, per layer"));
    xAxis->setLabel(tr("multiply-adds (logical clock)"));
    setMouseTracking(true);
}

void TimelinePlot::clear() {
    clearItems();
    bars_ = 0;
    forget_user_view();
    replot(QCustomPlot::rpQueuedReplot);
}

void TimelinePlot::fit_view() {
    xAxis->setRange(whole_x_);
    yAxis->setRange(whole_y_);
}

void TimelinePlot::show_timelines(const QStringList& rules, const std::vector<Timeline>& timelines, int hidden, bool measured) {
    clearItems();
    bars_ = 0;
    if (measured != measured_) forget_user_view(); // a zoom into multiply-adds means nothing in µs
    measured_ = measured;
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    const int lanes = hidden + 3; // layers 1..L+1, F3's store lane, a gap
    double right = 0.0;
    const double scale = measured ? 1e6 : 1.0; // measured durations in µs
    for (int r = 0; r < static_cast<int>(timelines.size()); ++r) {
        const double base = (static_cast<int>(timelines.size()) - 1 - r) * lanes;
        for (int layer = 1; layer <= hidden + 1; ++layer)
            ticker->addTick(base + layer, QString("%1 %2").arg(rule_title(rules[r]), layer == hidden + 1 ? tr("out") : tr("L%1").arg(layer)));
        for (const TimelineOp& op : timelines[static_cast<std::size_t>(r)].ops) {
            auto* bar = new QCPItemRect(this);
            const double y = base + op.layer;
            bar->topLeft->setCoords(op.start * scale, y + 0.38);
            bar->bottomRight->setCoords(op.end * scale, y - 0.38);
            QColor fill = op_colour(op.kind);
            if (op.step > 0) fill.setAlpha(90); // the next step, lighter
            bar->setBrush(fill);
            bar->setPen(QPen(rule_colour(rules[r]), op.step > 0 ? 0.5 : 1.5));
            bar->setProperty("tip", QString("%1 · layer %2 · %3 · step t%4 · %5 – %6 %7")
                                        .arg(rule_title(rules[r]))
                                        .arg(op.layer)
                                        .arg(op_name(op.kind))
                                        .arg(op.step ? "+1" : "")
                                        .arg(op.start * scale, 0, 'g', 4)
                                        .arg(op.end * scale, 0, 'g', 4)
                                        .arg(measured ? "µs" : "MACs"));
            right = std::max(right, op.end * scale);
            ++bars_;
        }
    }
    yAxis->setTicker(ticker);
    whole_y_ = QCPRange(0, static_cast<double>(timelines.size()) * lanes);
    whole_x_ = QCPRange(0, right > 0 ? right * 1.02 : 1.0);
    if (follows_data()) fit_view();
    xAxis->setLabel(measured ? tr("measured time (µs), ops laid out by their dependencies") : tr("multiply-adds (logical clock)"));
    replot(QCustomPlot::rpQueuedReplot);
}

void TimelinePlot::mouseMoveEvent(QMouseEvent* event) {
    ZoomablePlot::mouseMoveEvent(event);
    if (auto* item = itemAt(event->position(), true))
        QToolTip::showText(event->globalPosition().toPoint(), item->property("tip").toString(), this);
}

// ---------------------------------------------------------------- BoundaryPlot

BoundaryPlot::BoundaryPlot(QWidget* parent) : ZoomablePlot(parent) {
    plotLayout()->clear();
    setNotAntialiasedElements(QCP::aeScatters | QCP::aePlottables); // thousands of points, redrawn live
}

void BoundaryPlot::rebuild_layout(int count) {
    clearPlottables();
    clearItems();
    plotLayout()->clear();
    maps_.clear();
    rects_.clear();
    fit_rect_ = nullptr;
    fit_legend_ = nullptr;
    if (inputs_ == 1) {
        fit_rect_ = new QCPAxisRect(this);
        plotLayout()->addElement(0, 0, fit_rect_);
        fit_rect_->axis(QCPAxis::atBottom)->setLabel(tr("input"));
        fit_rect_->axis(QCPAxis::atLeft)->setLabel(tr("target (standardized)"));
        add_fit_data();
        fit_view();
        return;
    }
    const int columns = count <= 3 ? count : (count + 1) / 2;
    for (int r = 0; r < count; ++r) {
        auto* title = new QCPTextElement(this, rule_title(rules_[r]), QFont(font().family(), font().pointSize(), QFont::Bold));
        title->setTextColor(rule_colour(rules_[r]));
        auto* rect = new QCPAxisRect(this);
        plotLayout()->addElement((r / columns) * 2, r % columns, title);
        plotLayout()->addElement((r / columns) * 2 + 1, r % columns, rect);
        auto* map = new QCPColorMap(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        map->setInterpolate(false);
        // Each class owns [k, k+1): pale where the net is unsure, saturated where it is confident.
        QCPColorGradient gradient;
        gradient.clearColorStops();
        for (int k = 0; k < classes_; ++k) {
            const QColor c = class_colour(k);
            gradient.setColorStopAt(static_cast<double>(k) / classes_, QColor(255, 255, 255).toRgb());
            gradient.setColorStopAt((k + 0.3) / classes_, c.lighter(190));
            gradient.setColorStopAt((k + 0.999) / classes_, c.lighter(125));
        }
        map->setGradient(gradient);
        map->setDataRange(QCPRange(0, classes_));
        maps_.push_back(map);
        rects_.push_back(rect);
        add_points(rect, train_, false);
        add_points(rect, test_, true);
    }
    link_ranges();
    fit_view();
}

// Every rule's map shows the same region: a drag or zoom in one moves the others with it (setRange
// emits nothing when the range is already that one, so the links do not loop).
void BoundaryPlot::link_ranges() {
    for (QCPAxisRect* from : rects_)
        for (QCPAxisRect* to : rects_)
            if (from != to)
                for (const QCPAxis::AxisType type : {QCPAxis::atBottom, QCPAxis::atLeft})
                    connect(from->axis(type), qOverload<const QCPRange&>(&QCPAxis::rangeChanged), to->axis(type),
                            qOverload<const QCPRange&>(&QCPAxis::setRange));
}

void BoundaryPlot::fit_view() {
    for (QCPAxisRect* rect : axisRects()) {
        rect->axis(QCPAxis::atBottom)->setRange(x_min_, x_max_);
        rect->axis(QCPAxis::atLeft)->setRange(y_min_, y_max_);
    }
}

void BoundaryPlot::add_fit_data() {
    add_points(fit_rect_, train_, false);
    add_points(fit_rect_, test_, true);
}

// Training points as filled dots, test points as rings: per class in its colour over regions, or
// grey over fitted curves. Pre-drawn pixmaps: thousands of points blit instead of being drawn as paths.
void BoundaryPlot::add_points(QCPAxisRect* rect, const DataPoints& points, bool test) {
    auto marker = [test](const QColor& colour) {
        const int side = test ? 8 : 6;
        const double pen = test ? 2.0 : 1.0;
        QPixmap dot(side, side);
        dot.fill(Qt::transparent);
        QPainter painter(&dot);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(colour.darker(test ? 170 : 150), pen));
        painter.setBrush(test ? QColor(Qt::white) : colour);
        painter.drawEllipse(QRectF(pen / 2, pen / 2, side - pen, side - pen)); // the pen inside the pixmap
        return dot;
    };
    auto add_graph = [&](const QColor& colour) {
        QCPGraph* g = addGraph(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(marker(colour)));
        g->setProperty("testPoints", test);
        g->setVisible(!test || test_shown_);
        return g;
    };
    if (inputs_ == 1) {
        QCPGraph* g = add_graph(QColor(150, 150, 150));
        g->setName(test ? tr("test data") : tr("training data"));
        for (Index i = 0; i < points.x.rows(); ++i) g->addData(points.x(i, 0), points.targets[static_cast<std::size_t>(i)]);
        return;
    }
    for (int k = 0; k < classes_; ++k) {
        QCPGraph* g = add_graph(class_colour(k));
        for (Index i = 0; i < points.x.rows(); ++i)
            if (points.labels[static_cast<std::size_t>(i)] == k) g->addData(points.x(i, 0), points.x(i, 1));
    }
}

int BoundaryPlot::point_count(bool test) const {
    QCPAxisRect* first = fit_rect_ ? fit_rect_ : (rects_.empty() ? nullptr : rects_.front());
    int n = 0;
    for (int i = 0; i < graphCount(); ++i)
        if (graph(i)->lineStyle() == QCPGraph::lsNone && graph(i)->keyAxis()->axisRect() == first && graph(i)->property("testPoints").toBool() == test)
            n += graph(i)->dataCount();
    return n;
}

int BoundaryPlot::data_point_count() const { return point_count(false); }
int BoundaryPlot::test_point_count() const { return point_count(true); }

void BoundaryPlot::set_test_points_shown(bool shown) {
    test_shown_ = shown;
    for (int i = 0; i < graphCount(); ++i)
        if (graph(i)->property("testPoints").toBool()) graph(i)->setVisible(shown);
    list_fit_legend();
    replot(QCustomPlot::rpQueuedReplot);
}

// The fitted curves' legend lists what is drawn.
void BoundaryPlot::list_fit_legend() {
    if (!fit_legend_) return;
    fit_legend_->clearItems();
    for (int i = 0; i < graphCount(); ++i)
        if (graph(i)->visible()) fit_legend_->addItem(new QCPPlottableLegendItem(fit_legend_, graph(i)));
}

void BoundaryPlot::prepare(const SessionInfo& info) {
    rules_ = info.rules;
    inputs_ = info.inputs;
    classes_ = info.outputs;
    x_min_ = info.x_min;
    x_max_ = info.x_max;
    y_min_ = info.y_min;
    y_max_ = info.y_max;
    train_ = info.points;
    test_ = info.test_points;
    has_content_ = false;
    forget_user_view();
    if (!info.has_decision_view() || train_.x.rows() == 0) {
        clearPlottables();
        clearItems();
        plotLayout()->clear();
        const QString kind = info.task == Task::Classification ? tr("classification") : tr("regression");
        plotLayout()->addElement(0, 0, new QCPTextElement(this, tr("Decision regions are not available for %1-feature %2 data: "
                                                                   "they show 2-feature classification or 1-feature regression.")
                                                                    .arg(info.inputs).arg(kind), font()));
        replot();
        return;
    }
    rebuild_layout(static_cast<int>(rules_.size()));
    replot(QCustomPlot::rpQueuedReplot);
}

void BoundaryPlot::show_boundaries(const std::vector<Matrix>& boundaries) {
    if (boundaries.empty() || train_.x.rows() == 0) return;
    if (inputs_ == 1) {
        clearPlottables();
        add_fit_data();
        for (std::size_t r = 0; r < boundaries.size(); ++r) {
            QCPGraph* fit = addGraph(fit_rect_->axis(QCPAxis::atBottom), fit_rect_->axis(QCPAxis::atLeft));
            fit->setPen(QPen(rule_colour(rules_[static_cast<int>(r)]), 2.0));
            fit->setName(rule_title(rules_[static_cast<int>(r)]));
            const Matrix& f = boundaries[r];
            for (Index i = 0; i < f.cols(); ++i) fit->addData(x_min_ + i * (x_max_ - x_min_) / static_cast<double>(f.cols() - 1), f(0, i));
        }
        if (follows_data()) fit_view();
        if (!fit_legend_) {
            fit_legend_ = new QCPLegend;
            fit_rect_->insetLayout()->addElement(fit_legend_, Qt::AlignTop | Qt::AlignLeft);
            fit_legend_->setLayer("legend");
        }
        list_fit_legend();
    } else {
        for (std::size_t r = 0; r < boundaries.size() && r < maps_.size(); ++r) {
            const Matrix& cells = boundaries[r];
            QCPColorMapData* data = maps_[r]->data();
            data->setSize(static_cast<int>(cells.cols()), static_cast<int>(cells.rows()));
            const double dx = (x_max_ - x_min_) / static_cast<double>(cells.cols()), dy = (y_max_ - y_min_) / static_cast<double>(cells.rows());
            data->setRange(QCPRange(x_min_ + dx / 2, x_max_ - dx / 2), QCPRange(y_min_ + dy / 2, y_max_ - dy / 2));
            for (Index iy = 0; iy < cells.rows(); ++iy)
                for (Index ix = 0; ix < cells.cols(); ++ix) data->setCell(static_cast<int>(ix), static_cast<int>(iy), cells(iy, ix));
        }
    }
    has_content_ = true;
    replot(QCustomPlot::rpQueuedReplot);
}

// ---------------------------------------------------------------- NetworkDiagram

NetworkDiagram::NetworkDiagram(QWidget* parent) : ZoomablePlot(parent) {
    setNotAntialiasedElements(QCP::aeItems); // hundreds of translucent edges: 80 ms antialiased, ~10 ms not
    xAxis->setVisible(false);
    yAxis->setVisible(false);
    xAxis->grid()->setVisible(false);
    yAxis->grid()->setVisible(false);
    connect(this, &QCustomPlot::afterLayout, this, &NetworkDiagram::size_unit_maps);
}

void NetworkDiagram::show_blocks(const Network& network, const QString& title) {
    const int n = network.stage_count();
    const int side = image_side(network.inputs());
    const double top = 0.78, bottom = 0.22, half = 0.42;
    auto box = [&](double x, const QString& text, const QColor& fill) {
        auto* rect = new QCPItemRect(this);
        rect->topLeft->setCoords(x - half, top);
        rect->bottomRight->setCoords(x + half, bottom);
        rect->setPen(QPen(fill.darker(160), 1.5));
        rect->setBrush(fill);
        auto* label = new QCPItemText(this);
        label->position->setCoords(x, (top + bottom) / 2);
        label->setPositionAlignment(Qt::AlignCenter);
        label->setTextAlignment(Qt::AlignCenter);
        label->setText(text);
        label->setClipToAxisRect(false);
        block_labels_ << text;
        ++blocks_;
    };
    auto arrow = [&](double from, double to) {
        auto* line = new QCPItemLine(this);
        line->start->setCoords(from + half, (top + bottom) / 2);
        line->end->setCoords(to - half, (top + bottom) / 2);
        line->setHead(QCPLineEnding::esSpikeArrow);
        line->setPen(QPen(Qt::black, 1.5));
    };
    box(0, side > 0 ? tr("Input\n%1 pixels\n(%2×%2 image)").arg(network.inputs()).arg(side) : tr("Input\n%1 features").arg(network.inputs()),
        QColor(235, 235, 235));
    for (int s = 0; s < n; ++s) {
        const Stage& stage = network.stage(s);
        Index count = 0;
        for (const Parameter& p : stage.parameters()) count += p.size();
        const QString what = s + 1 == n ? tr("Output stage") : tr("Stage %1").arg(s + 1);
        const QColor fill = stage.kind() == "dense" ? QColor(214, 228, 245) : QColor(253, 224, 190);
        box(s + 1, tr("%1\n%2\n\n%3 parameters\n→ %4 features")
                       .arg(what, wrapped(QString::fromStdString(stage.describe()), [](const QString& line) { return line.size() <= 17; }), QLocale().toString(static_cast<qlonglong>(count)))
                       .arg(stage.outputs()),
            fill);
        arrow(s, s + 1);
    }
    auto* heading = new QCPItemText(this);
    heading->position->setCoords(static_cast<double>(n) / 2, 1.05);
    heading->setText(title);
    heading->setFont(QFont(font().family(), font().pointSize() + 1, QFont::Bold));
    auto* note = new QCPItemText(this);
    note->position->setCoords(static_cast<double>(n) / 2, 0.95);
    note->setText(tr("One block per stage: each receives the rule's signal at its output and trains inside itself."));
    set_whole_view({-0.55, static_cast<double>(n) + 0.55}, {-0.05, 1.15});
    set_plot_font(this, font()); // labels at the window's size (presenter mode)
}

void NetworkDiagram::remove_drawing() {
    clearItems();
    clearGraphs();
    edges_ = 0;
    blocks_ = 0;
    block_labels_.clear();
    unit_maps_.clear();
    replot(QCustomPlot::rpQueuedReplot);
}

void NetworkDiagram::clear() {
    remove_drawing();
    forget_user_view(); // another experiment's network comes next
}

void NetworkDiagram::set_whole_view(const QCPRange& x, const QCPRange& y) {
    if (x != whole_x_ || y != whole_y_) forget_user_view();
    whole_x_ = x;
    whole_y_ = y;
    if (follows_data()) fit_view();
}

void NetworkDiagram::fit_view() {
    xAxis->setRange(whole_x_);
    yAxis->setRange(whole_y_);
}

// Each shown hidden unit drawn as a picture of its activation over the input plane, as TensorFlow
// Playground draws its neurons: red positive, blue negative, white zero, one scale per layer (its
// largest magnitude) so the units of a layer compare. Pixmap scatter points stay centred on their
// nodes; size_unit_maps fits them between the nodes at every layout, so zooming in enlarges them.
void NetworkDiagram::add_unit_maps(const Network& network, const PlaneBox& plane, const std::function<double(int, int)>& node_y) {
    const std::vector<Matrix> grids = hidden_unit_grids(network, plane, kUnitMapCells);
    const int n = kUnitMapCells;
    for (std::size_t layer = 0; layer < grids.size(); ++layer) {
        const int shown = std::min(static_cast<int>(grids[layer].cols()), kMaxNodesShown);
        const float scale = std::max(grids[layer].leftCols(shown).cwiseAbs().maxCoeff(), 1e-6f);
        for (int u = 0; u < shown; ++u) {
            QImage cells(n, n, QImage::Format_RGB32);
            for (int iy = 0; iy < n; ++iy)
                for (int ix = 0; ix < n; ++ix) {
                    const float v = std::clamp(grids[layer](iy * n + ix, u) / scale, -1.0f, 1.0f);
                    const QColor end = v >= 0 ? QColor(200, 40, 40) : QColor(40, 80, 200);
                    auto towards = [t = std::abs(v)](int channel) { return static_cast<int>(255.0f + t * static_cast<float>(channel - 255)); };
                    cells.setPixel(ix, n - 1 - iy, qRgb(towards(end.red()), towards(end.green()), towards(end.blue())));
                }
            QCPGraph* unit = addGraph();
            unit->setLineStyle(QCPGraph::lsNone);
            unit->addData(static_cast<double>(layer + 1), node_y(static_cast<int>(layer) + 1, u));
            unit_maps_.push_back({cells, unit, shown > 1 ? 1.0 / (shown - 1) : 1.0, 0});
        }
    }
    size_unit_maps();
}

void NetworkDiagram::size_unit_maps() {
    for (UnitMap& map : unit_maps_) {
        const double spacing = std::abs(yAxis->coordToPixel(0.0) - yAxis->coordToPixel(map.spacing));
        const int side = axisRect()->height() > 50 ? std::clamp(static_cast<int>(0.8 * spacing), 12, 160) : 32;
        if (side == map.side) continue;
        map.side = side;
        QPixmap picture = QPixmap::fromImage(map.cells.scaled(side, side, Qt::IgnoreAspectRatio, Qt::FastTransformation));
        QPainter border(&picture);
        border.setPen(QPen(Qt::black, 1));
        border.drawRect(0, 0, side - 1, side - 1);
        border.end();
        map.graph->setScatterStyle(QCPScatterStyle(picture));
    }
}

void NetworkDiagram::show_network(const Network& network, const QString& title, const PlaneBox* plane) {
    remove_drawing();
    for (int s = 0; s < network.stage_count(); ++s)
        if (network.stage(s).kind() != "dense") {
            show_blocks(network, title);
            return;
        }
    // The first parameter of every stage of this (dense) network is its weight matrix W.
    std::vector<Matrix> layers;
    for (int s = 0; s < network.stage_count(); ++s) layers.emplace_back(network.stage(s).parameters().front().matrix());
    const std::vector<int> widths = network.widths();
    auto shown = [](int width) { return std::min(width, kMaxNodesShown); };
    auto node_y = [&](int layer, int k) {
        const int n = shown(widths[static_cast<std::size_t>(layer)]);
        return n == 1 ? 0.5 : static_cast<double>(k) / (n - 1);
    };
    float largest = 1e-12f;
    for (const auto& w : layers) largest = std::max(largest, w.cwiseAbs().maxCoeff());
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const Matrix& w = layers[i];
        for (int o = 0; o < shown(static_cast<int>(w.rows())); ++o)
            for (int in = 0; in < shown(static_cast<int>(w.cols())); ++in) {
                const float v = w(o, in);
                const double strength = std::sqrt(std::abs(v) / largest);
                QColor c = v >= 0 ? QColor(200, 40, 40) : QColor(40, 80, 200);
                c.setAlphaF(static_cast<float>(0.08 + 0.8 * strength));
                auto* edge = new QCPItemLine(this);
                edge->start->setCoords(static_cast<double>(i), node_y(static_cast<int>(i), in));
                edge->end->setCoords(static_cast<double>(i + 1), node_y(static_cast<int>(i) + 1, o));
                edge->setPen(QPen(c, 0.5 + 2.5 * strength));
                ++edges_;
            }
    }
    QCPGraph* nodes = addGraph();
    nodes->setLineStyle(QCPGraph::lsNone);
    nodes->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 1.2), QBrush(Qt::white), 11));
    for (std::size_t layer = 0; layer < widths.size(); ++layer) {
        for (int k = 0; k < shown(widths[layer]); ++k) nodes->addData(static_cast<double>(layer), node_y(static_cast<int>(layer), k));
        auto* label = new QCPItemText(this);
        label->position->setCoords(static_cast<double>(layer), -0.1);
        label->setText(widths[layer] > kMaxNodesShown ? tr("%1 units\n(first %2 shown)").arg(widths[layer]).arg(kMaxNodesShown)
                                                      : (widths[layer] == 1 ? tr("1 unit") : tr("%1 units").arg(widths[layer])));
    }
    // The maps cost a forward pass over the cells on the GUI thread whenever new networks arrive:
    // at this bound (two hidden layers of 500) 27 ms on one core of a 2-core EPYC, so wider networks
    // are drawn without them.
    double multiply_adds = 0.0;
    for (std::size_t layer = 0; layer + 2 < widths.size(); ++layer) multiply_adds += static_cast<double>(widths[layer]) * widths[layer + 1];
    multiply_adds *= kUnitMapCells * kUnitMapCells;
    const bool mappable = plane && widths.front() == 2 && widths.size() > 2;
    const bool maps = mappable && multiply_adds <= kMaxUnitMapMultiplyAdds;
    if (maps) add_unit_maps(network, *plane, node_y);
    auto* heading = new QCPItemText(this);
    heading->position->setCoords((static_cast<double>(widths.size()) - 1) / 2, 1.12);
    heading->setText(title + tr("   (red: positive weight, blue: negative; stronger = larger)") +
                     (maps ? tr("\nEach hidden unit: its activation over the input plane, red positive, blue negative")
                           : mappable ? tr("\nHidden units are not mapped over the input plane: this network is too wide to map quickly")
                                      : QString()));
    heading->setFont(QFont(font().family(), font().pointSize() + 1, QFont::Bold));
    set_whole_view({-0.4, static_cast<double>(widths.size()) - 0.6}, {-0.2, 1.2});
    set_plot_font(this, font()); // labels at the window's size (presenter mode)
}

// ---------------------------------------------------------------- MatrixHeatmap

MatrixHeatmap::MatrixHeatmap(QWidget* parent) : ZoomablePlot(parent) {
    title_ = add_title(this, tr("Matrix"));
    map_ = new QCPColorMap(xAxis, yAxis);
    map_->setInterpolate(false);
    auto* scale = new QCPColorScale(this);
    plotLayout()->addElement(1, 1, scale);
    scale->setRangeDrag(false); // the colour scale is the matrix's own: symmetric around 0
    scale->setRangeZoom(false);
    map_->setColorScale(scale); // the scale's gradient wins from here on, so set it after linking
    QCPColorGradient diverging;
    diverging.clearColorStops();
    diverging.setColorStopAt(0.0, QColor(40, 80, 200));
    diverging.setColorStopAt(0.5, QColor(255, 255, 255));
    diverging.setColorStopAt(1.0, QColor(200, 40, 40));
    map_->setGradient(diverging);
    for (QCPAxis* axis : {xAxis, yAxis}) {
        QSharedPointer<QCPAxisTickerFixed> whole(new QCPAxisTickerFixed);
        whole->setTickStep(1.0);
        whole->setScaleStrategy(QCPAxisTickerFixed::ssMultiples); // rows and columns are whole numbers
        axis->setTicker(whole);
    }
    xAxis->setLabel(tr("column (input side)"));
    yAxis->setLabel(tr("row (output side)"));
    yAxis->setRangeReversed(true);
    setMouseTracking(true);
}

void MatrixHeatmap::clear() {
    map_->data()->clear();
    title_->setText(tr("Matrix"));
    rows_ = cols_ = 0;
    forget_user_view();
    replot(QCustomPlot::rpQueuedReplot);
}

void MatrixHeatmap::fit_view() { rescaleAxes(); }

void MatrixHeatmap::show_matrix(const Matrix& m, const QString& title) {
    title_->setText(title);
    if (m.rows() != rows_ || m.cols() != cols_) forget_user_view(); // another matrix: a zoom into the last means nothing
    rows_ = m.rows();
    cols_ = m.cols();
    const Index br = std::max<Index>(1, (m.rows() + kMaxCells - 1) / kMaxCells), bc = std::max<Index>(1, (m.cols() + kMaxCells - 1) / kMaxCells);
    const Index nr = (m.rows() + br - 1) / br, nc = (m.cols() + bc - 1) / bc;
    QCPColorMapData* data = map_->data();
    data->setSize(static_cast<int>(nc), static_cast<int>(nr));
    data->setRange(QCPRange(0, static_cast<double>(m.cols() - 1)), QCPRange(0, static_cast<double>(m.rows() - 1)));
    float largest = 1e-12f;
    for (Index r = 0; r < nr; ++r)
        for (Index c = 0; c < nc; ++c) {
            const auto block = m.block(r * br, c * bc, std::min(br, m.rows() - r * br), std::min(bc, m.cols() - c * bc));
            const float mean = block.mean();
            largest = std::max(largest, std::abs(mean));
            data->setCell(static_cast<int>(c), static_cast<int>(r), mean);
        }
    map_->setDataRange(QCPRange(-largest, largest));
    if (follows_data()) fit_view();
    replot(QCustomPlot::rpQueuedReplot);
}

void MatrixHeatmap::mouseMoveEvent(QMouseEvent* event) {
    ZoomablePlot::mouseMoveEvent(event);
    const double x = xAxis->pixelToCoord(event->position().x()), y = yAxis->pixelToCoord(event->position().y());
    if (x < 0 || y < 0 || x > static_cast<double>(cols_) || y > static_cast<double>(rows_)) return;
    QToolTip::showText(event->globalPosition().toPoint(),
                       tr("row %1, column %2: %3").arg(qRound(y)).arg(qRound(x)).arg(map_->data()->data(x, y), 0, 'g', 4), this);
}

} // namespace f3::gui
