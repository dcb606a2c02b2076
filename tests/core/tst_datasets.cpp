// Data sets: toy generators, the IDX/gzip reader, IDX folders (synthetic and the real Fashion-MNIST),
// CSV parsing, and the load_dataset dispatcher. Error tests check that the message names the culprit.
#include "f3/data/dataset.hpp"
#include "f3/platform/memory.hpp"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <numbers>
#include <set>
#include <string>
#include <vector>

using namespace f3;

namespace {

// The DataError message of `action`, or an empty string when it does not throw one.
std::string dataErrorOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const DataError& e) {
        return e.what();
    }
    return {};
}

} // namespace

// Fails unless `expr` throws DataError whose message contains every given substring.
#define VERIFY_DATA_ERROR(expr, ...)                                                                          \
    do {                                                                                                      \
        const std::string message_ = dataErrorOf([&] { (void)(expr); });                                      \
        QVERIFY2(!message_.empty(), "expected a DataError from " #expr);                                      \
        for (const std::string part_ : {__VA_ARGS__})                                                          \
            QVERIFY2(message_.find(part_) != std::string::npos,                                               \
                     qPrintable(QStringLiteral("message \"%1\" lacks \"%2\"")                                 \
                                    .arg(QString::fromStdString(message_), QString::fromStdString(part_))));  \
    } while (0)

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes idxBytes(const std::vector<std::uint32_t>& dims, const Bytes& values, std::uint8_t type = 0x08) {
    Bytes bytes = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
    for (const std::uint32_t d : dims)
        for (const int shift : {24, 16, 8, 0}) bytes.push_back(static_cast<std::uint8_t>(d >> shift));
    bytes.insert(bytes.end(), values.begin(), values.end());
    return bytes;
}

void writeFile(const std::string& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void writeText(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

bool writeGzip(const std::string& path, const Bytes& bytes, const char* mode = "wb") {
    gzFile file = gzopen(path.c_str(), mode);
    if (!file) return false;
    const int written = gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
    return gzclose(file) == Z_OK && written == static_cast<int>(bytes.size());
}

Bytes readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A tiny MNIST-layout folder: 2 x 3 images, 5 for training and 3 for testing.
struct IdxFolder {
    Bytes trainImages, trainLabels, testImages, testLabels;
    std::vector<std::uint32_t> trainLabelDims = {5};

    IdxFolder() {
        for (int i = 0; i < 5 * 6; ++i) trainImages.push_back(static_cast<std::uint8_t>((i * 37) % 256));
        for (int i = 0; i < 3 * 6; ++i) testImages.push_back(static_cast<std::uint8_t>((i * 53 + 7) % 256));
        trainLabels = {0, 3, 9, 3, 1};
        testLabels = {2, 9, 0};
    }
    void write(const QTemporaryDir& dir, bool gzip) const {
        const auto put = [&](const char* name, const Bytes& bytes) {
            const std::string path = dir.filePath(name).toStdString();
            if (gzip) QVERIFY(writeGzip(path + ".gz", bytes));
            else writeFile(path, bytes);
        };
        put("train-images-idx3-ubyte", idxBytes({5, 2, 3}, trainImages));
        put("train-labels-idx1-ubyte", idxBytes(trainLabelDims, trainLabels));
        put("t10k-images-idx3-ubyte", idxBytes({3, 2, 3}, testImages));
        put("t10k-labels-idx1-ubyte", idxBytes({3}, testLabels));
    }
};

// Mean and population std of every entry, in double.
std::pair<double, double> meanAndStd(const Matrix& m) {
    double sum = 0.0;
    for (Index i = 0; i < m.size(); ++i) sum += m.data()[i];
    const double mean = sum / static_cast<double>(m.size());
    double squares = 0.0;
    for (Index i = 0; i < m.size(); ++i) squares += (m.data()[i] - mean) * (m.data()[i] - mean);
    return {mean, std::sqrt(squares / static_cast<double>(m.size()))};
}

std::pair<double, double> columnMeanAndStd(const Matrix& m, Index column) {
    const Matrix c = m.col(column);
    return meanAndStd(c);
}

// A noise-free regression toy set of 500 samples (400 train, 100 test) with `inputs` features:
// the target is standardized with the train statistics, and undoing that gives `formula` of each
// sample's features back (within `tolerance`), on train and test alike.
void checkNoiseFreeRegression(const Dataset& d, int inputs, double tolerance, const std::function<double(const float*)>& formula) {
    QCOMPARE(d.task, Task::Regression);
    QCOMPARE(d.inputs, inputs);
    QCOMPARE(d.outputs, 1);
    QCOMPARE(d.train_y.cols(), Index{1});
    QCOMPARE(d.train_size(), Index{400});
    QCOMPARE(d.test_size(), Index{100});
    QVERIFY(d.train_labels.empty() && d.test_labels.empty());
    const auto [mean, stddev] = meanAndStd(d.train_y);
    QVERIFY(std::abs(mean) < 1e-5 && std::abs(stddev - 1.0) < 1e-5);
    for (const auto& [x, y] : {std::pair{&d.train_x, &d.train_y}, {&d.test_x, &d.test_y}})
        for (Index i = 0; i < x->rows(); ++i)
            QVERIFY(std::abs((*y)(i, 0) * d.target_std + d.target_mean - formula(x->row(i).data())) < tolerance);
}

bool oneHotMatches(const Matrix& y, const std::vector<int>& labels, int classes) {
    if (y.rows() != static_cast<Index>(labels.size()) || y.cols() != classes) return false;
    for (Index i = 0; i < y.rows(); ++i)
        for (int c = 0; c < classes; ++c)
            if (y(i, c) != (labels[static_cast<std::size_t>(i)] == c ? 1.0f : 0.0f)) return false;
    return true;
}

ToyOptions toyOptions(int size, double noise, std::uint64_t seed, double testFraction = 0.2) {
    ToyOptions options;
    options.size = size;
    options.noise = noise;
    options.seed = seed;
    options.test_fraction = testFraction;
    return options;
}

CsvOptions csvOptions(const std::string& target = {}, Task task = Task::Classification, std::uint64_t seed = 1,
                      double testFraction = 0.2) {
    CsvOptions options;
    options.target = target;
    options.task = task;
    options.seed = seed;
    options.test_fraction = testFraction;
    return options;
}

} // namespace

class TestDatasets : public QObject {
    Q_OBJECT

private slots:
    // ---- toy sets -------------------------------------------------------------------------------
    void toyNames() {
        const std::vector<std::string> names = toy_dataset_names();
        for (const char* expected : {"spiral", "xor", "circles", "gaussians", "moons", "checkerboard", "sine", "friedman1"})
            QVERIFY2(std::find(names.begin(), names.end(), expected) != names.end(), expected);
        for (const std::string& name : names) QCOMPARE(make_toy(name, toyOptions(50, 0.1, 1)).name, name);
    }

    void toyClassification_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("classes");
        QTest::newRow("spiral") << "spiral" << 3;
        QTest::newRow("xor") << "xor" << 2;
        QTest::newRow("circles") << "circles" << 2;
        QTest::newRow("gaussians") << "gaussians" << 3;
        QTest::newRow("moons") << "moons" << 2;
        QTest::newRow("checkerboard") << "checkerboard" << 2;
    }
    void toyClassification() {
        QFETCH(QString, name);
        QFETCH(int, classes);
        const Dataset d = make_toy(name.toStdString(), toyOptions(300, 0.1, 7));
        QCOMPARE(d.task, Task::Classification);
        QCOMPARE(d.inputs, 2);
        QCOMPARE(d.outputs, classes);
        QCOMPARE(d.train_size(), Index{240});
        QCOMPARE(d.test_size(), Index{60});
        QCOMPARE(d.train_x.cols(), Index{2});
        QCOMPARE(d.test_x.cols(), Index{2});
        QCOMPARE(d.class_names.size(), static_cast<std::size_t>(classes));
        QVERIFY(d.train_x.allFinite() && d.test_x.allFinite());
        QVERIFY(d.train_x.cwiseAbs().maxCoeff() < 3.0f); // about unit scale, not standardized away
        QVERIFY(oneHotMatches(d.train_y, d.train_labels, classes));
        QVERIFY(oneHotMatches(d.test_y, d.test_labels, classes));
        // Classes are balanced by construction: 100 (or 150) per class before the split.
        for (int c = 0; c < classes; ++c) {
            const auto inTrain = std::count(d.train_labels.begin(), d.train_labels.end(), c);
            const auto inTest = std::count(d.test_labels.begin(), d.test_labels.end(), c);
            QCOMPARE(inTrain + inTest, static_cast<long>(300 / classes));
            QVERIFY(inTrain > 0 && inTest > 0);
        }

        const Dataset same = make_toy(name.toStdString(), toyOptions(300, 0.1, 7));
        QVERIFY(same.train_x == d.train_x && same.test_x == d.test_x);
        QVERIFY(same.train_labels == d.train_labels && same.test_labels == d.test_labels);
        const Dataset other = make_toy(name.toStdString(), toyOptions(300, 0.1, 8));
        QVERIFY(other.train_x != d.train_x);
    }

    void toyNoiseIsHonoured() {
        // Circles without noise lie exactly on radius 0.5 (inner) or 1 (outer); with noise they do not.
        const Dataset clean = make_toy("circles", toyOptions(200, 0.0, 3));
        for (Index i = 0; i < clean.train_size(); ++i) {
            const double radius = clean.train_x.row(i).cast<double>().norm();
            const double expected = clean.train_labels[static_cast<std::size_t>(i)] == 0 ? 0.5 : 1.0;
            QVERIFY(std::abs(radius - expected) < 1e-6);
        }
        const Dataset noisy = make_toy("circles", toyOptions(200, 0.3, 3));
        double spread = 0.0;
        for (Index i = 0; i < noisy.train_size(); ++i) {
            const double expected = noisy.train_labels[static_cast<std::size_t>(i)] == 0 ? 0.5 : 1.0;
            spread += std::abs(noisy.train_x.row(i).cast<double>().norm() - expected);
        }
        QVERIFY(spread / static_cast<double>(noisy.train_size()) > 0.1);
    }

    void toySplitSizes() {
        // 0.07 * 100 is 7.000000000000001 in doubles: still exactly 7 test samples, not 8.
        QCOMPARE(make_toy("xor", toyOptions(100, 0.1, 1, 0.07)).test_size(), Index{7});
        QCOMPARE(make_toy("xor", toyOptions(1000, 0.1, 1)).test_size(), Index{200});
        QCOMPARE(make_toy("xor", toyOptions(1000, 0.1, 1, 0.25)).test_size(), Index{250});
        // ceil, and at least one sample on each side.
        QCOMPARE(make_toy("xor", toyOptions(10, 0.1, 1, 0.11)).test_size(), Index{2});
        const Dataset tinyTest = make_toy("moons", toyOptions(4, 0.1, 1, 0.01));
        QCOMPARE(tinyTest.test_size(), Index{1});
        QCOMPARE(tinyTest.train_size(), Index{3});
        QCOMPARE(make_toy("moons", toyOptions(4, 0.1, 1, 0.99)).train_size(), Index{1});
        // Same options, same split (the CSV tests vary the split seed alone).
        const Dataset a = make_toy("spiral", toyOptions(100, 0.1, 1));
        const Dataset b = make_toy("spiral", toyOptions(100, 0.1, 1));
        QVERIFY(a.test_x == b.test_x);
    }

    // Friedman #1: ten uniform features, the target from the first five, standardized with train stats.
    void toyFriedman1() {
        const Dataset d = make_toy("friedman1", toyOptions(500, 0.0, 5));
        QVERIFY(d.train_x.minCoeff() >= 0.0f && d.train_x.maxCoeff() <= 1.0f);
        checkNoiseFreeRegression(d, 10, 1e-4, [](const float* x) {
            const auto f = [x](int c) { return static_cast<double>(x[c]); };
            return 10.0 * std::sin(std::numbers::pi * f(0) * f(1)) + 20.0 * (f(2) - 0.5) * (f(2) - 0.5) + 10.0 * f(3) + 5.0 * f(4);
        });
        // Deterministic from the seed; another seed draws other samples; noise widens the target.
        const Dataset same = make_toy("friedman1", toyOptions(500, 0.0, 5));
        QVERIFY(same.train_x == d.train_x && same.train_y == d.train_y && same.test_y == d.test_y);
        QVERIFY(make_toy("friedman1", toyOptions(500, 0.0, 6)).train_x != d.train_x);
        QVERIFY(make_toy("friedman1", toyOptions(500, 1.0, 5)).target_std > d.target_std);
        const ToyShape shape = toy_shape("friedman1");
        QVERIFY(shape.task == Task::Regression && shape.inputs == 10 && shape.outputs == 1);
        QCOMPARE(toy_shape("spiral").outputs, 3);
    }

    void toySine() {
        const Dataset d = make_toy("sine", toyOptions(500, 0.0, 5));
        QVERIFY(d.train_x.allFinite() && d.train_y.allFinite() && d.test_y.allFinite());
        QVERIFY(d.train_x.maxCoeff() <= 3.1416f && d.train_x.minCoeff() >= -3.1416f);
        checkNoiseFreeRegression(d, 1, 1e-5, [](const float* x) { return std::sin(static_cast<double>(x[0])); });
        QVERIFY(d.target_std > 0.6 && d.target_std < 0.8); // std of sin over a period is 1/sqrt(2)
        const Dataset noisy = make_toy("sine", toyOptions(500, 0.5, 5));
        QVERIFY(noisy.target_std > d.target_std);
        QVERIFY(make_toy("sine", toyOptions(500, 0.1, 6)).train_x != d.train_x);
    }

    void toyRejects() {
        VERIFY_DATA_ERROR(make_toy("spirals", toyOptions(100, 0.1, 1)), "spirals", "spiral", "checkerboard", "sine");
        VERIFY_DATA_ERROR(make_toy("spiral", toyOptions(3, 0.1, 1)), "size", "3");
        VERIFY_DATA_ERROR(make_toy("spiral", toyOptions(10'000'001, 0.1, 1)), "size");
        VERIFY_DATA_ERROR(make_toy("xor", toyOptions(100, -0.1, 1)), "noise");
        VERIFY_DATA_ERROR(make_toy("xor", toyOptions(100, std::nan(""), 1)), "noise");
        VERIFY_DATA_ERROR(make_toy("sine", toyOptions(100, 0.1, 1, 0.0)), "test fraction");
        VERIFY_DATA_ERROR(make_toy("sine", toyOptions(100, 0.1, 1, 1.0)), "test fraction");
        VERIFY_DATA_ERROR(make_toy("moons", toyOptions(100, 0.1, 1, std::nan(""))), "test fraction");
    }

    void limitTrain() {
        Dataset d = make_toy("spiral", toyOptions(100, 0.1, 1));
        const Dataset full = d;
        limit_train(d, 0);
        QCOMPARE(d.train_size(), Index{80});
        limit_train(d, 1000);
        QCOMPARE(d.train_size(), Index{80});
        limit_train(d, 10);
        QCOMPARE(d.train_size(), Index{10});
        QCOMPARE(d.train_y.rows(), Index{10});
        QCOMPARE(d.train_labels.size(), std::size_t{10});
        QVERIFY(d.train_x == full.train_x.topRows(10));
        QVERIFY(d.train_y == full.train_y.topRows(10));
        QVERIFY(d.test_x == full.test_x);
        Dataset sine = make_toy("sine", toyOptions(100, 0.1, 1));
        limit_train(sine, 5);
        QCOMPARE(sine.train_y.rows(), Index{5});
        QVERIFY(sine.train_labels.empty());
    }

    // ---- IDX ------------------------------------------------------------------------------------
    void parseIdxRoundTrip() {
        Bytes values(24);
        for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::uint8_t>(i * 10);
        const IdxArray a = parse_idx(idxBytes({2, 3, 4}, values), "cube");
        QCOMPARE(a.dims, (std::vector<std::uint32_t>{2, 3, 4}));
        QVERIFY(a.values == values);
        const IdxArray big = parse_idx(idxBytes({300}, Bytes(300, 7)), "long"); // dim > 255: big-endian
        QCOMPARE(big.dims, std::vector<std::uint32_t>{300});
        QCOMPARE(big.values.size(), std::size_t{300});
    }

    void parseIdxRejects() {
        Bytes wrongMagic = idxBytes({4}, Bytes(4, 1));
        wrongMagic[0] = 0x1f;
        VERIFY_DATA_ERROR(parse_idx(wrongMagic, "a.idx"), "a.idx", "not an IDX file");
        VERIFY_DATA_ERROR(parse_idx(idxBytes({4}, Bytes(16, 1), 0x0D), "f.idx"), "f.idx", "0x0d", "unsigned byte");
        VERIFY_DATA_ERROR(parse_idx(Bytes{0, 0, 8, 0}, "z.idx"), "z.idx", "dimension count 0");
        VERIFY_DATA_ERROR(parse_idx(Bytes{0, 0, 8, 5}, "five.idx"), "five.idx", "dimension count 5");
        VERIFY_DATA_ERROR(parse_idx(Bytes{0, 0}, "short.idx"), "short.idx", "too short");
        VERIFY_DATA_ERROR(parse_idx(Bytes{0, 0, 8, 3, 0, 0, 0, 1}, "head.idx"), "head.idx", "ends inside its header");
        VERIFY_DATA_ERROR(parse_idx(idxBytes({0}, {}), "zero.idx"), "zero.idx", "dimension 1 is 0");
        // Truncated and over-long data.
        VERIFY_DATA_ERROR(parse_idx(idxBytes({10}, Bytes(9, 1)), "labels.gz"), "labels.gz",
                          "header claims 10 items but file holds 9 bytes of data");
        VERIFY_DATA_ERROR(parse_idx(idxBytes({2, 2}, Bytes(5, 1)), "x"), "2 x 2 = 4 items", "5 bytes");
        // Absurd dims in a 20-byte buffer: refused from the header alone, nothing huge allocated.
        VERIFY_DATA_ERROR(parse_idx(idxBytes({2147483648u}, Bytes(12, 0)), "bomb.idx"), "bomb.idx",
                          "header claims 2147483648 items but file holds 12 bytes of data");
        VERIFY_DATA_ERROR(parse_idx(idxBytes({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, Bytes(4, 0)), "o"),
                          "more than 2^64", "4 bytes");
    }

    void gzipRoundTrip() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Bytes payload(100000);
        for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>((i * i) % 251);
        const std::string gz = dir.filePath("payload.gz").toStdString();
        QVERIFY(writeGzip(gz, payload));
        QVERIFY(readFile(gz) != payload);
        QVERIFY(read_maybe_gzipped(gz) == payload);
        // Plain files come back unchanged.
        const std::string plain = dir.filePath("payload.bin").toStdString();
        writeFile(plain, payload);
        QVERIFY(read_maybe_gzipped(plain) == payload);
        // Concatenated members (cat a.gz b.gz) inflate to the concatenation.
        const std::string twice = dir.filePath("twice.gz").toStdString();
        QVERIFY(writeGzip(twice, payload));
        QVERIFY(writeGzip(twice, Bytes{1, 2, 3}, "ab"));
        Bytes expected = payload;
        expected.insert(expected.end(), {1, 2, 3});
        QVERIFY(read_maybe_gzipped(twice) == expected);
        // An empty file is a (plain) empty file.
        const std::string empty = dir.filePath("empty").toStdString();
        writeFile(empty, {});
        QVERIFY(read_maybe_gzipped(empty).empty());
    }

    void gzipRejects() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        Bytes payload(50000);
        for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>((i * 7919) % 256);
        const std::string gz = dir.filePath("good.gz").toStdString();
        QVERIFY(writeGzip(gz, payload));
        const Bytes good = readFile(gz);

        Bytes corrupt = good;
        for (std::size_t i = 20; i < 60; ++i) corrupt[i] ^= 0x5a;
        const std::string corruptPath = dir.filePath("corrupt.gz").toStdString();
        writeFile(corruptPath, corrupt);
        VERIFY_DATA_ERROR(read_maybe_gzipped(corruptPath), "corrupt.gz", "corrupt gzip data");

        const std::string truncatedPath = dir.filePath("truncated.gz").toStdString();
        writeFile(truncatedPath, Bytes(good.begin(), good.begin() + static_cast<long>(good.size() / 2)));
        VERIFY_DATA_ERROR(read_maybe_gzipped(truncatedPath), "truncated.gz", "truncated");

        Bytes trailing = good;
        trailing.insert(trailing.end(), {'j', 'u', 'n', 'k'});
        const std::string trailingPath = dir.filePath("trailing.gz").toStdString();
        writeFile(trailingPath, trailing);
        VERIFY_DATA_ERROR(read_maybe_gzipped(trailingPath), "trailing.gz", "unexpected bytes");

        // A gzip bomb (here 4 MiB of zeros in about 4 KB) against a 1 MiB limit: refused once the limit
        // is reached instead of growing without bound; the default limit (1 GiB) is the same code path.
        const std::string bombPath = dir.filePath("bomb.gz").toStdString();
        QVERIFY(writeGzip(bombPath, Bytes(4 << 20, 0)));
        QVERIFY(readFile(bombPath).size() < 10000);
        VERIFY_DATA_ERROR(read_maybe_gzipped(bombPath, 1 << 20), "bomb.gz", "inflates to more than 1048576 bytes");
        VERIFY_DATA_ERROR(read_maybe_gzipped(bombPath, (4 << 20) - 1), "bomb.gz", "more than 4194303 bytes");
        QCOMPARE(read_maybe_gzipped(bombPath, 4 << 20).size(), std::size_t{4 << 20}); // exactly the limit is fine
        // The trailer size only sizes the first buffer; a lying one fails zlib's length check.
        Bytes lying = readFile(bombPath);
        lying[lying.size() - 3] ^= 0x01;
        const std::string lyingPath = dir.filePath("lying.gz").toStdString();
        writeFile(lyingPath, lying);
        VERIFY_DATA_ERROR(read_maybe_gzipped(lyingPath), "lying.gz", "corrupt gzip data");
        VERIFY_DATA_ERROR(read_maybe_gzipped(gz, 100), "good.gz", "more than the limit of 100 bytes");

        VERIFY_DATA_ERROR(read_maybe_gzipped(dir.filePath("missing.gz").toStdString()), "missing.gz", "no such file");
        VERIFY_DATA_ERROR(read_maybe_gzipped(dir.path().toStdString()), "not a regular file");
    }

    // The in-memory entry point (fuzz_idx feeds it) behaves as the file reader.
    void gunzipInMemory() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const Bytes idx = idxBytes({3, 2}, Bytes{1, 2, 3, 4, 5, 6});
        const std::string gz = dir.filePath("six.gz").toStdString();
        QVERIFY(writeGzip(gz, idx));
        const Bytes packed = readFile(gz);
        QVERIFY(maybe_gunzip(packed, "six.gz", 1 << 20) == idx);
        QVERIFY(maybe_gunzip(idx, "plain", 1 << 20) == idx); // not gzip: unchanged
        QVERIFY(maybe_gunzip({}, "empty", 1 << 20).empty());
        QCOMPARE(parse_idx(maybe_gunzip(packed, "six.gz", 1 << 20), "six.gz").dims, (std::vector<std::uint32_t>{3, 2}));
        VERIFY_DATA_ERROR(maybe_gunzip(packed, "six.gz", 10), "six.gz", "more than the limit of 10 bytes");
        const std::string zerosPath = dir.filePath("zeros.gz").toStdString();
        QVERIFY(writeGzip(zerosPath, Bytes(1000, 0)));
        const Bytes zeros = readFile(zerosPath);
        QVERIFY(zeros.size() < 500);
        VERIFY_DATA_ERROR(maybe_gunzip(zeros, "zeros.gz", 500), "zeros.gz", "inflates to more than 500 bytes");
        QCOMPARE(maybe_gunzip(zeros, "zeros.gz", 1000).size(), std::size_t{1000});
        VERIFY_DATA_ERROR(maybe_gunzip(Bytes(packed.begin(), packed.end() - 6), "cut.gz", 1 << 20), "cut.gz", "truncated");
        VERIFY_DATA_ERROR(maybe_gunzip(Bytes{0x1f, 0x8b}, "magic.gz", 1 << 20), "magic.gz");
    }

    void idxFolder_data() {
        QTest::addColumn<bool>("gzip");
        QTest::newRow("plain") << false;
        QTest::newRow("gzip") << true;
    }
    void idxFolder() {
        QFETCH(bool, gzip);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const IdxFolder files;
        files.write(dir, gzip);
        const Dataset d = load_idx_folder(dir.path().toStdString());
        QCOMPARE(d.task, Task::Classification);
        QCOMPARE(d.inputs, 6);
        QCOMPARE(d.outputs, 10);
        QCOMPARE(d.train_size(), Index{5});
        QCOMPARE(d.test_size(), Index{3});
        QCOMPARE(d.train_labels, (std::vector<int>{0, 3, 9, 3, 1}));
        QCOMPARE(d.test_labels, (std::vector<int>{2, 9, 0}));
        QVERIFY(oneHotMatches(d.train_y, d.train_labels, 10));
        QVERIFY(oneHotMatches(d.test_y, d.test_labels, 10));
        QCOMPARE(d.class_names.size(), std::size_t{10});
        QCOMPARE(d.name, QFileInfo(dir.path()).fileName().toStdString());

        // One scalar mean/std over all training pixels of x/255, applied to train and test alike.
        double sum = 0.0, squares = 0.0;
        for (const std::uint8_t p : files.trainImages) sum += p / 255.0;
        const double mean = sum / 30.0;
        for (const std::uint8_t p : files.trainImages) squares += (p / 255.0 - mean) * (p / 255.0 - mean);
        const double stddev = std::sqrt(squares / 30.0);
        for (Index i = 0; i < d.train_x.size(); ++i)
            QVERIFY(std::abs(d.train_x.data()[i] -
                             (files.trainImages[static_cast<std::size_t>(i)] / 255.0 - mean) / stddev) < 1e-5);
        for (Index i = 0; i < d.test_x.size(); ++i)
            QVERIFY(std::abs(d.test_x.data()[i] -
                             (files.testImages[static_cast<std::size_t>(i)] / 255.0 - mean) / stddev) < 1e-5);
        const auto [trainMean, trainStd] = meanAndStd(d.train_x);
        QVERIFY(std::abs(trainMean) < 1e-5 && std::abs(trainStd - 1.0) < 1e-5);
        // Row i is image i: pixel (1, 2) of image 4 is flat index 4 * 6 + 1 * 3 + 2.
        QCOMPARE(d.train_x(4, 5), d.train_x.data()[4 * 6 + 5]);

        DatasetSpec spec;
        spec.source = "idx:" + dir.path().toStdString();
        QVERIFY(load_dataset(spec).train_x == d.train_x);
    }

    void idxFolderRejects() {
        {
            QTemporaryDir dir;
            IdxFolder files;
            files.trainLabels[2] = 10;
            files.write(dir, true);
            VERIFY_DATA_ERROR(load_idx_folder(dir.path().toStdString()), "train-labels-idx1-ubyte.gz", "label 10",
                              "item 2", "0..9");
        }
        {
            QTemporaryDir dir;
            IdxFolder files;
            files.trainLabels.pop_back();
            files.trainLabelDims = {4};
            files.write(dir, false);
            VERIFY_DATA_ERROR(load_idx_folder(dir.path().toStdString()), "train-labels-idx1-ubyte", "4 labels",
                              "train-images-idx3-ubyte", "5 images");
        }
        {
            QTemporaryDir dir;
            IdxFolder files;
            files.trainImages.pop_back(); // one byte short
            files.write(dir, true);
            VERIFY_DATA_ERROR(load_idx_folder(dir.path().toStdString()), "train-images-idx3-ubyte.gz",
                              "header claims 5 x 2 x 3 = 30 items but file holds 29 bytes of data");
        }
        {
            QTemporaryDir dir;
            IdxFolder().write(dir, false);
            QVERIFY(QFile::remove(dir.filePath("t10k-images-idx3-ubyte")));
            VERIFY_DATA_ERROR(load_idx_folder(dir.path().toStdString()), "missing t10k-images-idx3-ubyte");
        }
        {
            QTemporaryDir dir;
            IdxFolder().write(dir, false);
            writeFile(dir.filePath("t10k-images-idx3-ubyte").toStdString(), idxBytes({3, 3, 2}, Bytes(18, 0)));
            VERIFY_DATA_ERROR(load_idx_folder(dir.path().toStdString()), "t10k-images-idx3-ubyte", "3 x 2",
                              "2 x 3");
        }
        {
            QTemporaryDir dir;
            IdxFolder().write(dir, false);
            writeFile(dir.filePath("train-labels-idx1-ubyte").toStdString(), idxBytes({5, 1}, Bytes(5, 0)));
            VERIFY_DATA_ERROR(load_idx_folder(dir.path().toStdString()), "train-labels-idx1-ubyte", "1 dimension");
        }
        VERIFY_DATA_ERROR(load_idx_folder("/nonexistent/f3-idx"), "/nonexistent/f3-idx", "no such folder");
    }

    // The test-set files get the same checks, and a gzip file that inflates to something else is no IDX.
    void idxFolderRejectsTestFiles() {
        {
            QTemporaryDir dir;
            IdxFolder files;
            files.testLabels[1] = 255;
            files.write(dir, false);
            VERIFY_DATA_ERROR(load_idx_folder(dir.path().toStdString()), "t10k-labels-idx1-ubyte", "label 255",
                              "item 1", "0..9");
        }
        {
            QTemporaryDir dir;
            IdxFolder().write(dir, false);
            writeFile(dir.filePath("t10k-labels-idx1-ubyte").toStdString(), idxBytes({4}, Bytes{1, 2, 3, 4}));
            VERIFY_DATA_ERROR(load_idx_folder(dir.path().toStdString()), "t10k-labels-idx1-ubyte", "4 labels",
                              "t10k-images-idx3-ubyte", "3 images");
        }
        {
            QTemporaryDir dir;
            IdxFolder().write(dir, true);
            // A header claiming 2^31 images of 2 x 3 in a file of 42 bytes: refused before allocating.
            QVERIFY(writeGzip(dir.filePath("t10k-images-idx3-ubyte.gz").toStdString(),
                              idxBytes({2147483648u, 2, 3}, Bytes(26, 0))));
            VERIFY_DATA_ERROR(load_idx_folder(dir.path().toStdString()), "t10k-images-idx3-ubyte.gz",
                              "header claims 2147483648 x 2 x 3 = 12884901888 items but file holds 26 bytes");
        }
        {
            QTemporaryDir dir;
            IdxFolder().write(dir, true);
            QVERIFY(writeGzip(dir.filePath("train-labels-idx1-ubyte.gz").toStdString(), Bytes{'<', 'h', 't', 'm', 'l', '>'}));
            VERIFY_DATA_ERROR(load_idx_folder(dir.path().toStdString()), "train-labels-idx1-ubyte.gz", "not an IDX file");
        }
        {
            QTemporaryDir dir;
            IdxFolder().write(dir, false);
            const std::string path = dir.filePath("t10k-images-idx3-ubyte").toStdString();
            const Bytes whole = readFile(path);
            writeFile(path, Bytes(whole.begin(), whole.begin() + 10)); // cut inside the header
            VERIFY_DATA_ERROR(load_idx_folder(dir.path().toStdString()), "t10k-images-idx3-ubyte", "ends inside its header");
        }
    }

    // The real data installed by the project's setup (Debian dataset-fashion-mnist); not optional.
    void fashionMnist() {
        DatasetSpec spec;
        spec.source = "fashion-mnist";
        const Dataset d = load_dataset(spec);
        QCOMPARE(d.name, std::string("fashion-mnist"));
        QCOMPARE(d.task, Task::Classification);
        QCOMPARE(d.train_size(), Index{60000});
        QCOMPARE(d.test_size(), Index{10000});
        QCOMPARE(d.inputs, 784);
        QCOMPARE(d.outputs, 10);
        QCOMPARE(d.train_x.cols(), Index{784});
        QCOMPARE(d.train_y.cols(), Index{10});
        QCOMPARE(d.class_names.size(), std::size_t{10});
        QCOMPARE(d.class_names[9], std::string("Ankle boot"));
        const auto [mean, stddev] = meanAndStd(d.train_x);
        QVERIFY2(std::abs(mean) < 1e-4, qPrintable(QString::number(mean)));
        QVERIFY2(std::abs(stddev - 1.0) < 1e-4, qPrintable(QString::number(stddev)));
        const auto [testMean, testStd] = meanAndStd(d.test_x);
        QVERIFY(std::abs(testMean) < 0.05 && std::abs(testStd - 1.0) < 0.05);
        // Fashion-MNIST is balanced: 6000 / 1000 of each class.
        for (int c = 0; c < 10; ++c) {
            QCOMPARE(std::count(d.train_labels.begin(), d.train_labels.end(), c), 6000L);
            QCOMPARE(std::count(d.test_labels.begin(), d.test_labels.end(), c), 1000L);
        }
        QVERIFY(oneHotMatches(d.test_y, d.test_labels, 10));
        QCOMPARE(d.train_y.sum(), 60000.0f);
    }

    // ---- CSV ------------------------------------------------------------------------------------
    void csvClassification() {
        // CRLF, padding, a quoted field, a trailing newline and a blank line; 'a' tells the classes apart.
        std::string text = "\xEF\xBB\xBF a , b ,\"kind\"\r\n";
        for (int i = 0; i < 10; ++i) {
            const bool dog = i % 2 == 1;
            text += std::to_string(dog ? 5 + i : i - 20) + " , " + std::to_string(i * 0.5) + ", " +
                    (dog ? "\"dog\"" : "cat") + "\r\n";
        }
        text += "\r\n";
        const Dataset d = parse_csv(text, "/data/pets.csv", csvOptions());
        QCOMPARE(d.name, std::string("pets"));
        QCOMPARE(d.task, Task::Classification);
        QCOMPARE(d.inputs, 2);
        QCOMPARE(d.outputs, 2);
        QCOMPARE(d.class_names, (std::vector<std::string>{"cat", "dog"}));
        QCOMPARE(d.train_size(), Index{8});
        QCOMPARE(d.test_size(), Index{2});
        QVERIFY(oneHotMatches(d.train_y, d.train_labels, 2));
        // Rows stay aligned with their labels through the shuffle: every dog has a larger 'a'.
        float maxCat = -1e9f, minDog = 1e9f;
        for (Index i = 0; i < d.train_size(); ++i) {
            if (d.train_labels[static_cast<std::size_t>(i)] == 1) minDog = std::min(minDog, d.train_x(i, 0));
            else maxCat = std::max(maxCat, d.train_x(i, 0));
        }
        QVERIFY(maxCat < minDog);
        // Per-column standardization with train statistics.
        for (Index c = 0; c < 2; ++c) {
            const auto [mean, stddev] = columnMeanAndStd(d.train_x, c);
            QVERIFY(std::abs(mean) < 1e-5 && std::abs(stddev - 1.0) < 1e-5);
        }
        // Seeded split: same seed, same split; another seed, another split.
        QVERIFY(parse_csv(text, "pets.csv", csvOptions()).test_x == d.test_x);
        QVERIFY(parse_csv(text, "pets.csv", csvOptions({}, Task::Classification, 2)).test_x != d.test_x);
    }

    void csvClassOrderAndTargetByName() {
        // Numeric class texts sort numerically (1 < 2 < 10), the target is picked by name, and a
        // constant feature column becomes zeros instead of dividing by zero.
        const std::string text = "x,label,constant\n1,10,4\n2,2,4\n3,1,4\n4,10,4\n5,2,4\n6,1,4\n";
        const Dataset d = parse_csv(text, "n.csv", csvOptions("label"));
        QCOMPARE(d.class_names, (std::vector<std::string>{"1", "2", "10"}));
        QCOMPARE(d.inputs, 2);
        QVERIFY(d.train_x.col(1).isZero());
        QVERIFY(d.test_x.col(1).isZero());
        // x = 1..6 carries labels 10,2,1,10,2,1, i.e. class ids 2,1,0,2,1,0. Standardization keeps
        // x's order (train and test share the train statistics), so sorting by x recovers that pattern.
        std::vector<std::pair<float, int>> byX;
        for (Index i = 0; i < d.train_size(); ++i)
            byX.emplace_back(d.train_x(i, 0), d.train_labels[static_cast<std::size_t>(i)]);
        for (Index i = 0; i < d.test_size(); ++i)
            byX.emplace_back(d.test_x(i, 0), d.test_labels[static_cast<std::size_t>(i)]);
        std::sort(byX.begin(), byX.end());
        std::vector<int> labelsByX;
        for (const auto& [x, label] : byX) labelsByX.push_back(label);
        QCOMPARE(labelsByX, (std::vector<int>{2, 1, 0, 2, 1, 0}));
        const Dataset words = parse_csv("f,t\n1,b\n2,a\n3,c\n4,B\n", "w.csv", csvOptions());
        QCOMPARE(words.class_names, (std::vector<std::string>{"B", "a", "b", "c"}));
    }

    // Without a task, the target decides: text or few whole numbers (each in 2+ rows) are classes,
    // anything else is a quantity; the note says which and why, and a chosen task overrides it.
    void csvTaskIsInferredFromTheTarget() {
        auto table = [](auto target_of_row, int rows) {
            std::string text = "x,y\n";
            for (int i = 0; i < rows; ++i) text += std::to_string(i % 7) + "," + target_of_row(i) + "\n";
            return text;
        };
        const CsvOptions inferred;
        // A count with 200 distinct whole values: a quantity, not 200 classes.
        const Dataset counts = parse_csv(table([](int i) { return std::to_string(i); }, 200), "counts.csv", inferred);
        QCOMPARE(counts.task, Task::Regression);
        QCOMPARE(counts.outputs, 1);
        QVERIFY2(counts.task_note.find("regression inferred") != std::string::npos &&
                     counts.task_note.find("200 distinct whole numbers") != std::string::npos, counts.task_note.c_str());
        const Dataset labels = parse_csv(table([](int i) { return std::to_string(i % 3); }, 30), "labels.csv", inferred);
        QCOMPARE(labels.task, Task::Classification);
        QCOMPARE(labels.outputs, 3);
        QVERIFY2(labels.task_note.find("classification inferred") != std::string::npos, labels.task_note.c_str());
        const Dataset names = parse_csv(table([](int i) { return i % 2 ? "cat" : "dog"; }, 10), "names.csv", inferred);
        QCOMPARE(names.task, Task::Classification);
        const Dataset fractions = parse_csv(table([](int i) { return std::to_string(i % 3) + ".5"; }, 30), "f.csv", inferred);
        QCOMPARE(fractions.task, Task::Regression);
        QVERIFY(fractions.task_note.find("fractional") != std::string::npos);
        // One class in a single row: not a class label.
        const Dataset single = parse_csv(table([](int i) { return std::to_string(i == 0 ? 9 : i % 2); }, 10), "s.csv", inferred);
        QCOMPARE(single.task, Task::Regression);
        QVERIFY2(single.task_note.find("value 9 in a single row") != std::string::npos, single.task_note.c_str());
        // The user's choice wins, silently.
        const Dataset chosen = parse_csv(table([](int i) { return std::to_string(i); }, 200), "counts.csv", csvOptions({}, Task::Classification));
        QCOMPARE(chosen.task, Task::Classification);
        QVERIFY(chosen.task_note.empty());
        // A bad number in a regression target still names its line and column.
        CsvOptions regression;
        regression.task = Task::Regression;
        QVERIFY_THROWS_EXCEPTION(DataError, parse_csv("x,y\n1,2\n2,oops\n3,4\n", "bad.csv", regression));
        try {
            parse_csv("x,y\n1,2\n2,oops\n3,4\n", "bad.csv", regression);
        } catch (const DataError& e) {
            QCOMPARE(std::string(e.what()), std::string("bad.csv: line 3, column 2 ('y'): 'oops' is not a number"));
        }
    }

    void csvRegression() {
        // y = 2a + 1: after standardizing both with train statistics, y equals a exactly.
        std::string text = "a,y,b\n";
        for (int i = 0; i < 20; ++i)
            text += std::to_string(i * 1.5 - 4) + "," + std::to_string(2 * (i * 1.5 - 4) + 1) + "," +
                    std::to_string((i * 7) % 5) + "\n";
        const Dataset d = parse_csv(text, "line.csv", csvOptions("y", Task::Regression));
        QCOMPARE(d.task, Task::Regression);
        QCOMPARE(d.inputs, 2);
        QCOMPARE(d.outputs, 1);
        QCOMPARE(d.train_size(), Index{16});
        QCOMPARE(d.test_size(), Index{4});
        QVERIFY(d.train_labels.empty() && d.class_names.empty());
        for (Index i = 0; i < d.train_size(); ++i) QVERIFY(std::abs(d.train_y(i, 0) - d.train_x(i, 0)) < 1e-5);
        for (Index i = 0; i < d.test_size(); ++i) QVERIFY(std::abs(d.test_y(i, 0) - d.test_x(i, 0)) < 1e-5);
        const auto [mean, stddev] = meanAndStd(d.train_y);
        QVERIFY(std::abs(mean) < 1e-5 && std::abs(stddev - 1.0) < 1e-5);
        // The kept statistics undo the standardization: y values are odd integers here.
        for (Index i = 0; i < d.test_size(); ++i) {
            const double y = d.test_y(i, 0) * d.target_std + d.target_mean;
            QVERIFY(std::abs(y - std::round(y)) < 1e-4);
        }
    }

    void csvFileAndDispatcher() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath("houses.csv").toStdString();
        writeText(path, "rooms,area,price\n3,70,200\n4,90,260\n2,50,150\n5,120,330\n3,80,210\n");
        const Dataset d = load_csv(path, csvOptions({}, Task::Regression));
        QCOMPARE(d.name, std::string("houses"));
        QCOMPARE(d.train_size() + d.test_size(), Index{5});
        DatasetSpec spec;
        spec.source = "csv:" + path;
        spec.target = "rooms";
        spec.csv_task = Task::Classification;
        spec.toy.seed = 9;
        spec.toy.test_fraction = 0.4;
        const Dataset byName = load_dataset(spec);
        QCOMPARE(byName.class_names, (std::vector<std::string>{"2", "3", "4", "5"}));
        QCOMPARE(byName.test_size(), Index{2});
        QVERIFY(load_dataset(spec).test_labels == byName.test_labels);
        VERIFY_DATA_ERROR(load_csv(dir.filePath("nope.csv").toStdString(), csvOptions()), "nope.csv", "no such file");
    }

    // A FIFO or a link to a device where a data file should be is reported as what it is, not as
    // missing (and never read: a FIFO would block).
    void specialFilesAreNamedForWhatTheyAre() {
        QTemporaryDir dir;
        const std::string fifo = dir.filePath("points.csv").toStdString();
        QVERIFY(::mkfifo(fifo.c_str(), 0600) == 0);
        VERIFY_DATA_ERROR(load_csv(fifo, csvOptions()), fifo + ": it is a FIFO (named pipe), not a regular file");
        QTemporaryDir idx;
        IdxFolder().write(idx, false);
        const std::string images = idx.filePath("t10k-images-idx3-ubyte").toStdString();
        QVERIFY(QFile::remove(QString::fromStdString(images)));
        QVERIFY(::symlink("/dev/null", images.c_str()) == 0);
        VERIFY_DATA_ERROR(load_idx_folder(idx.path().toStdString()),
                          images + ": it is a symbolic link to a character device (/dev/null), not a regular file");
    }

    // A relative csv: path starts at DatasetSpec::folder (an experiment file's folder) when one is set.
    void relativePathsStartAtTheSpecsFolder() {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir("data"));
        writeText(dir.filePath("data/houses.csv").toStdString(), "rooms,price\n3,200\n4,260\n2,150\n5,330\n3,210\n");
        DatasetSpec spec;
        spec.source = "csv:data/houses.csv";
        spec.folder = dir.path().toStdString();
        QCOMPARE(load_dataset(spec).train_size() + load_dataset(spec).test_size(), Index{5});
        spec.source = "csv:" + dir.filePath("data/houses.csv").toStdString(); // absolute paths stay as they are
        spec.folder = "/nonexistent";
        QCOMPARE(load_dataset(spec).train_size() + load_dataset(spec).test_size(), Index{5});
    }

    // A data set whose matrices would not fit the memory limit is refused before they are allocated,
    // with its sizes: a CSV file of a few MB with 1000 classes expands to GiBs of one-hot targets.
    void dataBeyondTheMemoryLimitIsRefused() {
        std::string text = "x,label\n";
        for (int i = 0; i < 3000; ++i) text += std::to_string(i) + ",c" + std::to_string(i % 100) + "\n";
        set_memory_limit_bytes(std::uint64_t{1} << 20);
        const std::string message = dataErrorOf([&] { parse_csv(text, "classes.csv", csvOptions()); });
        QTemporaryDir dir;
        IdxFolder().write(dir, false);
        const std::string idx = dataErrorOf([&] { load_idx_folder(dir.path().toStdString()); });
        set_memory_limit_bytes(256);
        const std::string tiny = dataErrorOf([&] { load_idx_folder(dir.path().toStdString()); });
        set_memory_limit_bytes(0);
        QCOMPARE(message, std::string("classes.csv: 3000 samples of 1 features and 100 outputs (one per class) needs about 1.2 MiB, "
                                      "more than the memory limit of 1.0 MiB (as set)"));
        QVERIFY2(idx.empty(), idx.c_str());
        QCOMPARE(tiny, dir.path().toStdString() + ": 8 samples of 6 features and 10 outputs (one per class) needs about 512 bytes, "
                                                  "more than the memory limit of 256 bytes (as set)");
        QVERIFY(parse_csv(text, "classes.csv", csvOptions()).outputs == 100); // the default limit: half the machine
    }

    void csvRejects() {
        const CsvOptions plain = csvOptions();
        VERIFY_DATA_ERROR(parse_csv("", "e.csv", plain), "e.csv", "empty");
        VERIFY_DATA_ERROR(parse_csv(" \r\n\n", "blank.csv", plain), "blank.csv", "empty");
        VERIFY_DATA_ERROR(parse_csv("a,b,label\n1,2,x\n3,4,y\n", "t.csv", csvOptions("species")), "t.csv",
                          "'species'", "available columns: a, b, label");
        VERIFY_DATA_ERROR(parse_csv("a,b,label\n1,2,x\n3,4\n5,6,y\n", "r.csv", plain), "r.csv", "line 3",
                          "expected 3 fields", "found 2");
        VERIFY_DATA_ERROR(parse_csv("a,b,label\n1,2,x\n3,4,y,5\n", "long.csv", plain), "long.csv", "line 3",
                          "expected 3 fields", "found more");
        VERIFY_DATA_ERROR(parse_csv(std::string(1'000'001, ',') + "\n1\n", "wide.csv", plain), "wide.csv",
                          "more than 1000000 columns");
        VERIFY_DATA_ERROR(parse_csv("a,b,label\n1,2,x\n3,4,y\n5,abc,x\n", "n.csv", plain), "n.csv", "line 4",
                          "column 2 ('b')", "'abc' is not a number");
        VERIFY_DATA_ERROR(parse_csv("a,b,label\n1,,x\n3,4,y\n", "m.csv", plain), "line 2", "column 2 ('b')");
        VERIFY_DATA_ERROR(parse_csv("a,b,label\n1,2,x\nnan,4,y\n", "nan.csv", plain), "nan.csv", "line 3",
                          "column 1 ('a')", "not a finite number");
        VERIFY_DATA_ERROR(parse_csv("a,b,label\n1,2,x\n3,-inf,y\n", "inf.csv", plain), "line 3", "column 2 ('b')",
                          "not a finite number");
        VERIFY_DATA_ERROR(parse_csv("a,b,label\n1,1e999,x\n3,4,y\n", "big.csv", plain), "line 2", "out of range");
        for (const char* spelling : {"NaN", "-nan", "+NAN", "nan(0x1)", "inf", "+Infinity", "-INF"}) {
            const std::string value(spelling);
            VERIFY_DATA_ERROR(parse_csv("a,b,label\n1,2,x\n3," + value + ",y\n", "f.csv", plain), "line 3",
                              "column 2 ('b')", "not a finite number");
            VERIFY_DATA_ERROR(parse_csv("a,y\n1,2\n3," + value + "\n4,5\n", "t.csv", csvOptions("y", Task::Regression)),
                              "line 3", "column 2 ('y')", "not a finite number");
        }
        // Finite in double but not in float once scaled: refused rather than handing inf to training.
        VERIFY_DATA_ERROR(
            parse_csv("a,y\n1,1e300\n1,-1e300\n2,0\n", "huge.csv", csvOptions({}, Task::Regression, 1, 0.5)),
            "huge.csv", "too large");
        VERIFY_DATA_ERROR(parse_csv("a,b,label\n1,2,x\n", "one.csv", plain), "one.csv", "at least 2 data rows",
                          "found 1");
        VERIFY_DATA_ERROR(parse_csv("a,b,label\n", "head.csv", plain), "head.csv", "at least 2 data rows");
        VERIFY_DATA_ERROR(parse_csv("a,b,label\n1,2,x\n3,4,x\n", "s.csv", plain), "s.csv", "single class", "'x'");
        VERIFY_DATA_ERROR(parse_csv("a,y\n1,2\n3,oops\n", "reg.csv", csvOptions({}, Task::Regression)), "reg.csv",
                          "line 3", "column 2 ('y')", "'oops'");
        VERIFY_DATA_ERROR(parse_csv("a,b,label\n1,2,\n3,4,y\n", "et.csv", plain), "line 2", "empty target");
        VERIFY_DATA_ERROR(parse_csv("label\nx\ny\n", "only.csv", plain), "only.csv", "feature column");
        VERIFY_DATA_ERROR(parse_csv("a,a,label\n1,2,x\n3,4,y\n", "dup.csv", plain), "dup.csv", "'a' twice");
        VERIFY_DATA_ERROR(parse_csv("a,b,label\n1,2,\"x\n3,4,y\n", "q.csv", plain), "q.csv", "line 2", "unterminated");
        VERIFY_DATA_ERROR(parse_csv("a,label\n1,x\n2,y\n", "f.csv", csvOptions({}, Task::Classification, 1, 1.5)),
                          "f.csv", "test fraction");
        // A numeric column read as classes would need rows x classes floats: refused with advice.
        std::string many = "a,label\n";
        for (int i = 0; i < 1001; ++i) many += "1," + std::to_string(i) + "\n";
        VERIFY_DATA_ERROR(parse_csv(many, "many.csv", plain), "many.csv", "more than 1000", "regression");
    }

    // ---- dispatcher -----------------------------------------------------------------------------
    void loadDataset() {
        DatasetSpec spec;
        spec.source = "gaussians";
        spec.toy = toyOptions(90, 0.1, 4);
        const Dataset d = load_dataset(spec);
        QCOMPARE(d.name, std::string("gaussians"));
        QVERIFY(d.train_x == make_toy("gaussians", spec.toy).train_x);
        spec.source = "mnist-please";
        VERIFY_DATA_ERROR(load_dataset(spec), "mnist-please", "spiral", "fashion-mnist", "idx:DIR", "csv:FILE");
        spec.source = "idx:";
        VERIFY_DATA_ERROR(load_dataset(spec), "missing path");
        spec.source = "csv:";
        VERIFY_DATA_ERROR(load_dataset(spec), "missing path");
    }
};

QTEST_APPLESS_MAIN(TestDatasets)
#include "tst_datasets.moc"
