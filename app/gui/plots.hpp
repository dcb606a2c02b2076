#pragma once
// The live views, each a QCustomPlot. They take plain values from training snapshots; none of them
// knows about threads. Every view uses rule_colour() so a rule looks the same everywhere.
#include "f3/nn/network.hpp"
#include "f3/observe/decision_grid.hpp"
#include "f3/observe/timeline.hpp"
#include "data_points.hpp"

#include <QMap>
#include <QPointer>
#include <qcustomplot.h>

namespace f3 {
struct FeedbackMatrices;
}

namespace f3::gui {

struct SessionInfo;

// A plot the user explores with QCustomPlot's own interactions: drag to pan, wheel to zoom (each axis
// rect on its own), double-click for the whole picture again. Once the user has moved the view, new
// data leave it alone until that double-click (or a new experiment).
class ZoomablePlot : public QCustomPlot {
    Q_OBJECT
public:
    // Back to the whole picture, following the data again (what a double-click does).
    void reset_view();
    bool follows_data() const { return !user_view_; }
    // A long title, legend or message must not make the window wider than a projector's screen:
    // texts wrap to the plot's width instead (fit_ticks_to_size).
    QSize minimumSizeHint() const override { return {160, 120}; }
    // Collapses the legend's row so the axes get its room, or brings it back. The plot's context
    // menu (right-click) holds this as a check box, legend_action() (nullptr: the plot has no legend
    // row); View › Legends on the plots does every plot at once.
    void set_legend_shown(bool shown);
    bool legend_shown() const { return legend_action_ && legend_action_->isChecked(); }
    QAction* legend_action() const { return legend_action_; }

protected:
    explicit ZoomablePlot(QWidget* parent = nullptr);
    // Puts `legend` in a row of its own, row `row` of the layout (legend_row), shown or collapsed as
    // legend_action() says; a plot drawn anew calls it again and the user's choice stays.
    void add_legend_row(QCPLegend* legend, int row);
    // Empties the layout for a new drawing, with the legend row even while it is collapsed (out of the layout).
    void clear_layout();
    // Sets the axes to show everything drawn; called by reset_view, and by a view on new data while
    // it follows them.
    virtual void fit_view() = 0;
    // Every axis's range, in axis rect order, and setting them back (a view drawn anew keeps the user's).
    QList<QCPRange> ranges() const;
    void set_ranges(const QList<QCPRange>& ranges);
    // A new experiment: the previous one's zoom means nothing for it.
    void forget_user_view() { user_view_ = false; }
    void mouseMoveEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    bool user_view_ = false; // zoomed or panned: live data no longer rescale the axes
    QPointer<QCPLayoutGrid> legend_row_; // the legend between two stretchable fillers; gone with a cleared layout
    int legend_row_index_ = 2;
    QAction* legend_action_ = nullptr;
};

// Line plot of named series with bounded memory, as TensorBoard users expect it: drag to pan, wheel
// to zoom, double-click to go back to the whole run; click a legend entry (below the plot) to hide
// that series; hover for the values; noisy series smoothed (exponential moving average, the raw
// values faint behind); per-epoch spreads as a band around their mean.
class CurvePlot : public ZoomablePlot {
    Q_OBJECT
public:
    explicit CurvePlot(const QString& title, const QString& x_label, const QString& y_label, QWidget* parent = nullptr);
    // Adds (or returns) a series; `dashed` draws test/secondary curves.
    QCPGraph* series(const QString& key, const QString& label, const QColor& colour, bool dashed = false, bool dotted = false);
    // A noisy series: appended values are drawn faint, their moving average strong (in the legend).
    QCPGraph* smoothed_series(const QString& key, const QString& label, const QColor& colour);
    // A mean with a band from `low` to `high` around it (set_band_point fills all three).
    QCPGraph* band_series(const QString& key, const QString& label, const QColor& colour);
    void set_band_point(const QString& key, double x, double mean, double low, double high);
    void append(const QString& key, double x, double y);
    // TensorBoard's smoothing weight: 0 shows the raw values, 0.99 a very slow average.
    void set_smoothing(double weight);
    double smoothing() const { return smoothing_; }
    // The smoothed line of a smoothed series (nullptr for others), for tests.
    QCPGraph* smoothed(const QString& key) const;
    // Hides or shows a series with its faint raw values and band (what a legend click does).
    void set_series_visible(QCPGraph* graph, bool visible);
    // A vertical line at epoch `x` labelled `text` (a live learning-rate change); gone with the series.
    void add_marker(double x, const QString& text);
    QStringList marker_texts() const;
    void clear_series();
    void set_title(const QString& title) { title_->setText(title); }
    // Shown in the middle of the plot while it has no data (says why it is empty).
    void set_placeholder(const QString& text);
    void set_log_y(bool log);
    bool log_y() const { return log_y_; }
    void set_line_width(double width);
    void refresh();                         // rescale and queue a replot (once shown, if hidden)
    void rescale();                         // rescale now, shown or not (before an export)
    int point_count(const QString& key) const;

protected:
    void showEvent(QShowEvent* event) override;

public:
    static constexpr int kMaxPointsPerSeries = 4000;

protected:
    void mouseMoveEvent(QMouseEvent* event) override;
    void fit_view() override;

private:
    struct Average {
        QCPGraph* line = nullptr;
        double biased = 0.0; // the running average before its start-up bias is divided out
        int count = 0;
    };
    void thin(QCPGraph* graph);
    bool has_points() const;
    void smooth(Average& average, double x, double y);
    QMap<QString, QCPGraph*> graphs_;
    QMap<QString, Average> averages_;               // per smoothed series
    QMap<QCPGraph*, QList<QCPGraph*>> companions_;  // legend graph -> its raw values or band edges
    double smoothing_ = 0.6;
    QCPTextElement* title_ = nullptr;
    QCPItemText* placeholder_ = nullptr;
    QList<QPair<QCPItemStraightLine*, QCPItemText*>> markers_;
    bool log_y_ = false;
    bool stale_ = false; // data arrived while hidden
    double line_width_ = 1.6;
};

// Gantt chart of one sampled step (and the next) per rule and layer.
class TimelinePlot : public ZoomablePlot {
    Q_OBJECT
public:
    explicit TimelinePlot(QWidget* parent = nullptr);
    // timelines[r] belongs to rules[r]; `measured` picks the measured clock instead of multiply-adds.
    void show_timelines(const QStringList& rules, const std::vector<Timeline>& timelines, int hidden, bool measured);
    int bar_count() const { return bars_; }
    void clear();

protected:
    void mouseMoveEvent(QMouseEvent* event) override;
    void fit_view() override;

private:
    int bars_ = 0;
    bool measured_ = false;
    QCPRange whole_x_{0.0, 1.0}, whole_y_{0.0, 1.0}; // everything drawn
};

// Decision regions per rule (2-D classification) with the training points, or fitted curves (1-D).
// Zooming or panning one rule's map moves the others with it, so they show the same region.
class BoundaryPlot : public ZoomablePlot {
    Q_OBJECT
public:
    explicit BoundaryPlot(QWidget* parent = nullptr);
    void prepare(const SessionInfo& info);
    void show_boundaries(const std::vector<Matrix>& boundaries);
    bool has_content() const { return has_content_; }
    // Training points drawn per rule (the data set is shown from the moment it is chosen, before training).
    int data_point_count() const;
    // Test points as rings over the regions, as TensorFlow Playground's "Show test data" does: where
    // a rule's regions are wrong on data it never trained on. Hidden until asked for.
    void set_test_points_shown(bool shown);
    bool test_points_shown() const { return test_shown_; }
    int test_point_count() const; // drawn per rule, shown or not

protected:
    void fit_view() override;

private:
    void rebuild_layout(int count);
    void link_ranges();
    void add_fit_data();
    void add_points(QCPAxisRect* rect, const DataPoints& points, bool test);
    int point_count(bool test) const;
    void list_fit_legend();
    QStringList rules_;
    int inputs_ = 0, classes_ = 0;
    double x_min_ = 0, x_max_ = 1, y_min_ = 0, y_max_ = 1;
    std::vector<QCPColorMap*> maps_;
    std::vector<QCPAxisRect*> rects_;
    QCPAxisRect* fit_rect_ = nullptr;
    QCPLegend* fit_legend_ = nullptr;
    bool has_content_ = false;
    DataPoints train_, test_;
    bool test_shown_ = false;
};

// Nodes and weights of one network: colour = sign, opacity and width = magnitude.
class NetworkDiagram : public ZoomablePlot {
    Q_OBJECT
public:
    explicit NetworkDiagram(QWidget* parent = nullptr);
    // Dense networks as units and weights; networks with other stages (the transformer) as one
    // block per stage, labelled with what it is and its parameter count. With `plane` (a network of
    // two inputs) each hidden unit shown is a small map of its activation over that box.
    void show_network(const Network& network, const QString& title, const PlaneBox* plane = nullptr);
    int edge_count() const { return edges_; }
    // The hidden units drawn as activation maps, and one of them (layer 1 first, for tests).
    int unit_map_count() const { return static_cast<int>(unit_maps_.size()); }
    QImage unit_map(int k) const { return unit_maps_.at(static_cast<std::size_t>(k)).cells; }
    int unit_map_side(int k) const { return unit_maps_.at(static_cast<std::size_t>(k)).side; } // pixels on screen
    static constexpr int kUnitMapCells = 24; // per side
    static constexpr double kMaxUnitMapMultiplyAdds = 1.5e8; // per drawing; wider networks get no maps
    void clear();
    int block_count() const { return blocks_; }
    bool has_content() const { return edges_ > 0 || blocks_ > 0; }
    // The labels of the blocks drawn (for tests), input first.
    const QStringList& block_labels() const { return block_labels_; }
    static constexpr int kMaxNodesShown = 14;

protected:
    void fit_view() override;

private:
    void show_blocks(const Network& network, const QString& title);
    void add_unit_maps(const Network& network, const PlaneBox& plane, const std::function<double(int, int)>& node_y);
    void size_unit_maps();
    void remove_drawing();
    // Everything drawn; another shape of network forgets the user's zoom.
    void set_whole_view(const QCPRange& x, const QCPRange& y);
    QCPRange whole_x_{0.0, 1.0}, whole_y_{0.0, 1.0};
    int edges_ = 0;
    int blocks_ = 0;
    QStringList block_labels_;
    struct UnitMap {
        QImage cells;          // kUnitMapCells per side, row 0 at the top (largest y)
        QCPGraph* graph;       // one point at the unit's node, the picture as its scatter pixmap
        double spacing;        // between its layer's nodes, in plot coordinates
        int side;              // the picture's pixels on screen as last sized
    };
    std::vector<UnitMap> unit_maps_;
};

// Heat map of one matrix (a weight or feedback matrix), blue negative, red positive.
class MatrixHeatmap : public ZoomablePlot {
    Q_OBJECT
public:
    explicit MatrixHeatmap(QWidget* parent = nullptr);
    void show_matrix(const Matrix& m, const QString& title);
    void clear();
    bool has_content() const { return rows_ > 0; }
    static constexpr int kMaxCells = 160; // larger matrices are shown block-averaged

protected:
    void mouseMoveEvent(QMouseEvent* event) override;
    void fit_view() override;

private:
    QCPColorMap* map_ = nullptr;
    QCPTextElement* title_ = nullptr;
    Index rows_ = 0, cols_ = 0;
};

QColor class_colour(int k);

// Every plot's axes get as many ticks as their length holds at the tick label font, so labels
// never collide, and legends laid out in rows wrap to the plot's width (`width`, or the widget's).
// Applied before each replot, and before an export at the export's size.
void fit_ticks_to_size(QCustomPlot* plot, int width = -1);
// `legend` in a row of its own, row `at` of the plot's layout (below its axes): never over the data.
QCPLayoutGrid* legend_row(QCustomPlot* plot, QCPLegend* legend, int at);
// All text of a plot (titles, axes, legends, labels) at `font`, for presenter mode.
void set_plot_font(QCustomPlot* plot, const QFont& font);

} // namespace f3::gui
