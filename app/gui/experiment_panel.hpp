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
    // The user set another learning rate (emitted before changed(); a running comparison takes it live).
    void learningRateEdited(double learning_rate);

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
    QDoubleSpinBox* train_limit_ = nullptr; // whole numbers up to 2^53, as the file stores them
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
    QDoubleSpinBox* seed_ = nullptr;        // whole numbers up to 2^53, as the file stores them
    QSpinBox* instrument_every_ = nullptr;
    QLabel* problems_ = nullptr;
    QLabel* from_file_ = nullptr;
    bool loading_ = false;
    // What the widgets showed right after set_setup. While a widget still shows that, the loaded
    // value runs and is saved: a slider or a spin box's precision cannot show every value a file
    // may hold (noise 0.125, learning rate 1e-7, two F³ variants), and opening must change nothing.
    struct Shown {
        int size = 0, noise = 0;
        double learning_rate = 0.0;
        QStringList rules; // the ticked rule boxes and the F³ error choice
    } shown_;
    bool data_seed_follows_ = true; // the file's data seed was its seed: it follows the Seed box
    QStringList ticked_rules() const;
    std::vector<RuleSpec> rules_from_boxes() const;
    QString from_file_note() const;
    Experiment base_; // what was loaded: fields the form does not show (name, metrics...) survive
    QList<QWidget*> toy_widgets_, csv_widgets_;
};

} // namespace f3::gui
