#include "attention_view.hpp"

#include "rule_style.hpp"
#include "training_session.hpp"

#include <QEvent>
#include <QImage>
#include <QPainter>
#include <algorithm>
#include <cmath>

namespace f3::gui {
namespace {

// White (no attention) to dark blue (the largest probability shown): one scale for every map, so
// maps of different rules and heads compare by shade.
QRgb shade(double t) {
    t = std::clamp(t, 0.0, 1.0);
    const int r = static_cast<int>(255 - t * (255 - 8)), g = static_cast<int>(255 - t * (255 - 48)),
              b = static_cast<int>(255 - t * (255 - 107));
    return qRgb(r, g, b);
}

} // namespace

AttentionView::AttentionView(QWidget* parent) : ZoomablePlot(parent) {
    setMinimumSize(400, 300);
    placeholder_ = tr("Train a transformer (Run or Step) to see its attention maps here.");
    // The picture fills the axis rect, whose axes span it from 0 to 1 when the view is whole.
    axisRect()->setAutoMargins(QCP::msNone);
    axisRect()->setMargins(QMargins());
    for (QCPAxis* axis : {xAxis, yAxis}) axis->setVisible(false);
    picture_ = new QCPItemPixmap(this);
    picture_->setScaled(true, Qt::IgnoreAspectRatio);
    picture_->topLeft->setCoords(0.0, 1.0);
    picture_->bottomRight->setCoords(1.0, 0.0);
    fit_view();
    // The picture is painted once and scaled by the zoom: past 1.5x (and 3x) it is painted again
    // with more pixels, else its text and borders would grow blocky.
    for (QCPAxis* axis : {xAxis, yAxis})
        connect(axis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] {
            if (resolution_for_zoom() != resolution_) redraw();
        });
}

int AttentionView::resolution_for_zoom() const {
    const double zoom = 1.0 / std::min(xAxis->range().size(), yAxis->range().size());
    return zoom > 3.0 ? 4 : zoom > 1.5 ? 2 : 1;
}

void AttentionView::fit_view() {
    xAxis->setRange(0.0, 1.0);
    yAxis->setRange(0.0, 1.0);
}

void AttentionView::resizeEvent(QResizeEvent* event) {
    ZoomablePlot::resizeEvent(event);
    redraw();
}

void AttentionView::changeEvent(QEvent* event) {
    ZoomablePlot::changeEvent(event);
    if (event->type() == QEvent::FontChange) redraw(); // presenter mode
}

void AttentionView::redraw() {
    resolution_ = resolution_for_zoom();
    QPixmap pixmap(size().expandedTo(QSize(1, 1)) * resolution_);
    pixmap.fill(Qt::white);
    QPainter painter(&pixmap);
    painter.scale(resolution_, resolution_); // laid out at the widget's size, drawn with the zoom's pixels
    painter.setFont(font()); // a painter on a pixmap starts from the application's font, not presenter mode's
    paint(painter);
    painter.end();
    picture_->setPixmap(pixmap);
    replot(QCustomPlot::rpQueuedReplot);
}

void AttentionView::prepare(const QStringList& rules, const std::vector<std::string>& class_names, int blocks) {
    rules_ = rules;
    class_names_ = class_names;
    blocks_ = blocks;
    block_ = std::clamp(block_, 0, std::max(0, blocks - 1));
    maps_.clear();
    forget_user_view(); // another run: its maps are seen whole first
    fit_view();
    redraw();
}

void AttentionView::clear() {
    maps_.clear();
    image_.resize(0, 0);
    sample_ = label_ = -1;
    redraw();
}

void AttentionView::show_attention(const TrainingSnapshot& s) {
    if (s.attention.empty()) return;
    maps_ = s.attention;
    image_ = s.attention_image;
    sample_ = s.attention_sample;
    label_ = s.attention_label;
    redraw();
}

void AttentionView::set_block(int block) {
    block_ = std::max(0, block);
    redraw();
}

void AttentionView::set_placeholder(const QString& text) {
    placeholder_ = text;
    redraw();
}

void AttentionView::paint(QPainter& painter) const {
    painter.setRenderHint(QPainter::Antialiasing, false);
    const QFontMetrics fm(font());
    const int line = fm.height();
    if (maps_.empty() || maps_.front().empty() || block_ >= static_cast<int>(maps_.front().size())) {
        painter.setPen(palette().color(QPalette::Disabled, QPalette::Text));
        painter.drawText(rect().adjusted(20, 20, -20, -20), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
        return;
    }
    const Matrix& first = maps_.front()[static_cast<std::size_t>(block_)];
    const int T = static_cast<int>(first.cols());
    const int heads = T > 0 ? static_cast<int>(first.rows()) / T : 0;
    const int columns = static_cast<int>(maps_.size());
    if (T == 0 || heads == 0) return;

    // Left: the image, as the networks see it (standardized pixels, grey scale). No patch grid: a
    // token is a slice of the linear embedding of all pixels, not a patch of the image.
    const int margin = 12;
    const int side = static_cast<int>(std::lround(std::sqrt(static_cast<double>(image_.cols()))));
    const int image_px = std::clamp(std::min(height() / 3, width() / 6), 84, 200);
    int x0 = margin;
    if (side > 0 && side * side == image_.cols()) {
        QImage img(side, side, QImage::Format_RGB32);
        const float lo = image_.minCoeff(), hi = image_.maxCoeff();
        for (int y = 0; y < side; ++y)
            for (int x = 0; x < side; ++x) {
                const float v = hi > lo ? (image_(0, y * side + x) - lo) / (hi - lo) : 0.0f;
                const int g = static_cast<int>(255 * (1.0f - v)); // dark ink on white, like the data set's pictures
                img.setPixel(x, y, qRgb(g, g, g));
            }
        const QRect target(x0, margin + line, image_px, image_px);
        painter.drawImage(target, img);
        painter.setPen(QPen(QColor(150, 150, 150), 1));
        painter.drawRect(target.adjusted(0, 0, -1, -1));
        painter.setPen(palette().color(QPalette::Text));
        QString caption = tr("Test image %1").arg(sample_);
        if (label_ >= 0)
            caption += "\n" + (label_ < static_cast<int>(class_names_.size()) ? QString::fromStdString(class_names_[static_cast<std::size_t>(label_)])
                                                                             : tr("class %1").arg(label_));
        painter.drawText(QRect(x0, margin, image_px, line), Qt::AlignLeft, tr("Input"));
        painter.drawText(QRect(x0, target.bottom() + 4, image_px + 40, 3 * line), Qt::AlignLeft | Qt::TextWordWrap, caption);
        painter.drawText(QRect(x0, target.bottom() + 4 + 3 * line, image_px + 40, 6 * line), Qt::AlignLeft | Qt::TextWordWrap,
                         tr("%1 tokens: each is a slice of the embedding of the whole image, not a patch").arg(T));
        x0 += image_px + 2 * margin + 10;
    }

    // Right: rules as columns, heads as rows; every map on one shared colour scale.
    float largest = 1e-6f;
    for (const auto& rule : maps_)
        if (block_ < static_cast<int>(rule.size())) largest = std::max(largest, rule[static_cast<std::size_t>(block_)].maxCoeff());
    const int head_label = fm.horizontalAdvance(tr("head 00")) + 8;
    const int top = margin + 2 * line, bottom = 3 * line + margin;
    const int gap = 8;
    const int avail_w = width() - x0 - head_label - margin, avail_h = height() - top - bottom;
    const int cell = std::max(16, std::min((avail_w - gap * (columns - 1)) / std::max(1, columns), (avail_h - gap * (heads - 1)) / heads));
    const int grid_x = x0 + head_label;
    painter.setPen(palette().color(QPalette::Text));
    painter.drawText(QRect(x0, margin, width() - x0 - margin, line), Qt::AlignLeft | Qt::TextSingleLine,
                     fm.elidedText(tr("Block %1 of %2 · row: query token · column: key token").arg(block_ + 1).arg(blocks_),
                                   Qt::ElideRight, width() - x0 - margin));
    for (int r = 0; r < columns; ++r) {
        const QString rule = r < rules_.size() ? rules_[r] : QString();
        const int cx = grid_x + r * (cell + gap);
        QFont bold = font();
        bold.setBold(true);
        painter.setFont(bold);
        painter.setPen(rule_colour(rule));
        painter.drawText(QRect(cx, top - line - 2, cell, line), Qt::AlignHCenter | Qt::AlignBottom, rule_title(rule));
        painter.setFont(font());
        if (block_ >= static_cast<int>(maps_[static_cast<std::size_t>(r)].size())) continue;
        const Matrix& m = maps_[static_cast<std::size_t>(r)][static_cast<std::size_t>(block_)];
        for (int h = 0; h < heads && (h + 1) * T <= m.rows(); ++h) {
            QImage img(T, T, QImage::Format_RGB32);
            for (int q = 0; q < T; ++q)
                for (int k = 0; k < T; ++k) img.setPixel(k, q, shade(m(h * T + q, k) / largest));
            const QRect target(cx, top + h * (cell + gap), cell, cell);
            painter.drawImage(target, img);
            painter.setPen(QColor(180, 180, 180));
            painter.drawRect(target.adjusted(0, 0, -1, -1));
        }
    }
    painter.setPen(palette().color(QPalette::Text));
    for (int h = 0; h < heads; ++h)
        painter.drawText(QRect(x0, top + h * (cell + gap), head_label - 4, cell), Qt::AlignRight | Qt::AlignVCenter, tr("head %1").arg(h + 1));

    // The colour scale.
    const int legend_y = top + heads * (cell + gap) + 4;
    const int bar_w = std::min(220, std::max(80, width() - grid_x - margin - 200));
    for (int i = 0; i < bar_w; ++i) {
        painter.setPen(QColor::fromRgb(shade(static_cast<double>(i) / (bar_w - 1))));
        painter.drawLine(grid_x + i, legend_y, grid_x + i, legend_y + line - 4);
    }
    painter.setPen(palette().color(QPalette::Text));
    painter.drawText(QRect(grid_x, legend_y + line - 2, width() - grid_x - margin, 2 * line), Qt::AlignLeft | Qt::TextWordWrap,
                     tr("0 to %1 (every row sums to 1; a uniform row is 1/%2 = %3)")
                         .arg(static_cast<double>(largest), 0, 'f', 2)
                         .arg(T)
                         .arg(1.0 / T, 0, 'f', 3));
}

} // namespace f3::gui
