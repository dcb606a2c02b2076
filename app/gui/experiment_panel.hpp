#pragma once
// The experiment form: data set, network builder, rules to compare and hyperparameters. It turns
// the widgets into a Experiment and explains invalid combinations in place instead of fixing them.
#include "training_session.hpp"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
class QSpinBox;
class QTableWidget;

namespace f3::gui {

class ExperimentPanel : public QWidget {
    Q_OBJECT
public:
    explicit ExperimentPanel(QWidget* parent = nullptr);

    Experiment setup() const;
    void set_setup(const Experiment& setup);
    // Problems with the current choices (empty: ready to run).
    QStringList problems() const;

    // Network builder, also used by tests through the widgets.
    void add_layer(int width = 32);
    int layer_count() const;
    // The estimate of training time shown under the transformer's fields ("" for dense networks).
    QString speed_estimate() const;

signals:
    void changed();

private:
    void update_visibility();
    void validate();
    void update_transformer_notes();
    void move_layer(int delta);
    QString dataset_source() const;

    QComboBox* dataset_ = nullptr;
    QString file_path_;
    QLabel* file_label_ = nullptr;
    QSlider* size_ = nullptr;
    QSlider* noise_ = nullptr;
    QLabel* size_label_ = nullptr;
    QLabel* noise_label_ = nullptr;
    QLineEdit* csv_target_ = nullptr;
    QComboBox* csv_task_ = nullptr;
    QSpinBox* train_limit_ = nullptr;
    QTableWidget* layers_ = nullptr;
    QPushButton* add_ = nullptr;
    QPushButton* remove_ = nullptr;
    QPushButton* up_ = nullptr;
    QPushButton* down_ = nullptr;
    QComboBox* head_ = nullptr;
    QComboBox* architecture_ = nullptr;
    QWidget* dense_box_ = nullptr;
    QWidget* transformer_box_ = nullptr;
    QSpinBox* patch_ = nullptr;
    QSpinBox* dim_ = nullptr;
    QSpinBox* depth_ = nullptr;
    QSpinBox* heads_ = nullptr;
    QSpinBox* dim_head_ = nullptr;
    QSpinBox* mlp_dim_ = nullptr;
    QComboBox* transformer_activation_ = nullptr;
    QLabel* transformer_shape_ = nullptr;
    QLabel* speed_ = nullptr;
    QList<QCheckBox*> rule_boxes_;
    QComboBox* f3_error_ = nullptr;
    QComboBox* feedback_init_ = nullptr;
    QComboBox* optimizer_ = nullptr;
    QDoubleSpinBox* learning_rate_ = nullptr;
    QSpinBox* batch_ = nullptr;
    QSpinBox* epochs_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QSpinBox* instrument_every_ = nullptr;
    QLabel* problems_ = nullptr;
    bool loading_ = false;
    Experiment base_; // what was loaded: fields the form does not show (name, metrics...) survive
    QList<QWidget*> toy_widgets_, csv_widgets_;
};

} // namespace f3::gui
