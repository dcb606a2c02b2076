#pragma once
// The Attention view: for one test image, the attention maps of one transformer block of every
// rule's network, rules as columns and heads as rows, beside the image cut into its patches.
// Fed from training snapshots (TrainingSnapshot::attention); it knows nothing about threads.
#include "f3/nn/tensor.hpp"
#include "plots.hpp"

#include <QStringList>
#include <string>
#include <vector>

namespace f3::gui {

struct TrainingSnapshot;

// Drawn as one picture that a ZoomablePlot shows across its axes: wheel zoom, drag pan and
// double-click reset as on the other views, with no second zoom of its own.
class AttentionView : public ZoomablePlot {
    Q_OBJECT
public:
    explicit AttentionView(QWidget* parent = nullptr);

    // A new run: its rules (column order of the snapshots' maps), class names and block count.
    void prepare(const QStringList& rules, const std::vector<std::string>& class_names, int blocks);
    void clear();
    void show_attention(const TrainingSnapshot& snapshot);
    void set_block(int block);
    // Shown while there is nothing to draw (says why).
    void set_placeholder(const QString& text);

    bool has_content() const { return !maps_.empty(); }
    int sample() const { return sample_; }
    // Per rule, per block: (heads·T) × T probabilities, each row one query token's map over the keys.
    const std::vector<std::vector<Matrix>>& maps() const { return maps_; }
    // Pixels of the picture per pixel of the widget: more when zoomed in, so text and maps stay sharp.
    int resolution() const { return resolution_; }

protected:
    void fit_view() override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void redraw();                    // the picture again, at the widget's size and font
    int resolution_for_zoom() const;  // 1, 2 or 4: the zoom's magnification, bounded for memory
    void paint(QPainter& painter) const;
    QCPItemPixmap* picture_ = nullptr;
    QStringList rules_;
    std::vector<std::string> class_names_;
    int blocks_ = 0, block_ = 0;
    int sample_ = -1, label_ = -1;
    Matrix image_;
    std::vector<std::vector<Matrix>> maps_;
    QString placeholder_;
    int resolution_ = 1;
};

} // namespace f3::gui
