#include "domain/errors.h"
#include "http/jsonbody.h"

#include <QElapsedTimer>
#include <QTest>

#include <functional>
#include <limits>
#include <optional>

using namespace pomelo;

namespace {

std::optional<ErrorCode> errorOf(const std::function<void()> &call)
{
    try {
        call();
    } catch (const Error &error) {
        return error.code();
    }
    return std::nullopt;
}

QJsonObject parse(const QByteArray &body)
{
    HttpRequest request;
    request.body = body;
    return parseJsonObject(request);
}

} // namespace

class TestJsonBody : public QObject
{
    Q_OBJECT

private slots:
    void parseObject_data();
    void parseObject();
    void manyMembersInLinearTime();
    void integer_data();
    void integer();
};

void TestJsonBody::parseObject_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("accepted");

    QTest::newRow("object") << QByteArrayLiteral(R"({"code":"u-alice","n":1})") << true;
    QTest::newRow("empty object") << QByteArrayLiteral("{}") << true;
    QTest::newRow("same key nested twice")
        << QByteArrayLiteral(R"({"a":{"k":1},"b":{"k":2}})") << true;
    QTest::newRow("array") << QByteArrayLiteral("[1]") << false;
    QTest::newRow("not UTF-8") << QByteArrayLiteral("{\"name\":\"\xff\"}") << false;
    QTest::newRow("duplicated key") << QByteArrayLiteral(R"({"code":"a","code":"b"})") << false;
    QTest::newRow("duplicated key, escaped")
        << QByteArrayLiteral(R"({"amount":1,"\u0061mount":2})") << false;
    QTest::newRow("duplicated key, not adjacent")
        << QByteArrayLiteral(R"({"a":1,"b":2,"c":3,"a":4})") << false;
}

void TestJsonBody::parseObject()
{
    QFETCH(QByteArray, body);
    QFETCH(bool, accepted);
    const std::optional<ErrorCode> error = errorOf([&] { parse(body); });
    if (accepted)
        QVERIFY(!error);
    else
        QCOMPARE(error, ErrorCode::MalformedJson);
}

// The duplicate check scanned the whole body once per member: a 64 KiB body of short members
// took seconds of CPU per request (found reading the parser for tests/fuzz/fuzz_jsonbody: its
// inputs stay below 4 KiB).
void TestJsonBody::manyMembersInLinearTime()
{
    QByteArray body = QByteArrayLiteral("{");
    for (int i = 0; i < 20000; ++i)
        body += (i ? ",\"k" : "\"k") + QByteArray::number(i) + "\":0";
    body += '}';
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(parse(body).size(), 20000);
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));

    const QByteArray duplicated = body.chopped(1) + ",\"k19999\":1}";
    QCOMPARE(errorOf([&] { parse(duplicated); }), ErrorCode::MalformedJson);
}

void TestJsonBody::integer_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<qint64>("expected"); // -1: refused

    QTest::newRow("one") << QByteArrayLiteral("1") << qint64(1);
    QTest::newRow("maximum") << QByteArrayLiteral("100") << qint64(100);
    QTest::newRow("above") << QByteArrayLiteral("101") << qint64(-1);
    QTest::newRow("zero") << QByteArrayLiteral("0") << qint64(-1);
    QTest::newRow("integral double") << QByteArrayLiteral("5.0") << qint64(5);
    QTest::newRow("fraction") << QByteArrayLiteral("5.5") << qint64(-1);
    QTest::newRow("string") << QByteArrayLiteral("\"5\"") << qint64(-1);
    QTest::newRow("bool") << QByteArrayLiteral("true") << qint64(-1);
    QTest::newRow("null") << QByteArrayLiteral("null") << qint64(-1);
    QTest::newRow("2^53 + 2") << QByteArrayLiteral("9007199254740994") << qint64(-1);
    // Converting these to qint64 before the range check was undefined behaviour (found by
    // tests/fuzz/fuzz_jsonbody under UBSan).
    QTest::newRow("1e300") << QByteArrayLiteral("1e300") << qint64(-1);
    QTest::newRow("-1e300") << QByteArrayLiteral("-1e300") << qint64(-1);
    QTest::newRow("2^63") << QByteArrayLiteral("9223372036854775808") << qint64(-1);
}

void TestJsonBody::integer()
{
    QFETCH(QByteArray, value);
    QFETCH(qint64, expected);
    const QJsonObject object = parse("{\"n\":" + value + '}');
    const JsonFields fields {object, ErrorCode::InvalidBookingInput};
    qint64 n = -1;
    const std::optional<ErrorCode> error =
        errorOf([&] { n = fields.integer(QStringLiteral("n"), 1, 100); });
    if (expected == -1) {
        QCOMPARE(error, ErrorCode::InvalidBookingInput);
    } else {
        QVERIFY(!error);
        QCOMPARE(n, expected);
    }
    // Whatever the value, the widest range never converts out of range either.
    errorOf([&] {
        fields.integer(QStringLiteral("n"), std::numeric_limits<qint64>::min(),
                       std::numeric_limits<qint64>::max());
    });
}

QTEST_GUILESS_MAIN(TestJsonBody)
#include "test_jsonbody.moc"
