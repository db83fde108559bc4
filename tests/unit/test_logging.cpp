#include "telemetry/logging.h"
#include "telemetry/trace.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <thread>
#include <vector>

using namespace pomelo;

namespace {

QList<QByteArray> readLines(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines = file.readAll().split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

QJsonObject parseObject(const QByteArray &line)
{
    QJsonParseError error {};
    const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
    return error.error == QJsonParseError::NoError ? doc.object() : QJsonObject();
}

} // namespace

class TestLogging : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void jsonLinesCarryTraceIdOfCurrentSpan();
    void textFormatCarriesTraceId();
    void debugIsOffByDefault();
    void handlerRedactsSecrets();
    void concurrentWritesStayWholeLines();
    void unwritableFileFallsBackToStderr();

    void redactSecrets_data();
    void redactSecrets();
    void formatLogLineEscapesJson();
    void escapeControlCharacters_data();
    void escapeControlCharacters();
    void textLinesCannotBeForged();
    void levelNames_data();
    void levelNames();
    void parseLogFormat_data();
    void parseLogFormat();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
};

void TestLogging::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_path = m_dir->filePath(QStringLiteral("pomelo.log"));
}

void TestLogging::cleanup()
{
    uninstallLogHandler();
    m_dir.reset();
}

void TestLogging::jsonLinesCarryTraceIdOfCurrentSpan()
{
    QVERIFY(installLogHandler(LogFormat::JsonLines, m_path));
    SpanContext context;
    {
        ScopedSpan span(QStringLiteral("POST /pay/v1/cashier"), SpanKind::Server);
        context = span.context();
        qCInfo(lcPay, "order %s is PAYING", "1790000000000000001");
    }
    qCWarning(lcRedis, "no span here");
    uninstallLogHandler();

    const QList<QByteArray> lines = readLines(m_path);
    QCOMPARE(lines.size(), 2);

    const QJsonObject first = parseObject(lines.at(0));
    QVERIFY(!first.isEmpty());
    QCOMPARE(first.value(QStringLiteral("level")).toString(), QStringLiteral("info"));
    QCOMPARE(first.value(QStringLiteral("category")).toString(), QStringLiteral("pomelo.pay"));
    QCOMPARE(first.value(QStringLiteral("message")).toString(),
             QStringLiteral("order 1790000000000000001 is PAYING"));
    QCOMPARE(first.value(QStringLiteral("traceId")).toString(), context.traceId.toString());
    QCOMPARE(first.value(QStringLiteral("spanId")).toString(), context.spanId.toString());
    // RFC 3339 with milliseconds and an offset.
    const QString time = first.value(QStringLiteral("time")).toString();
    static const QRegularExpression rfc3339(
        QStringLiteral(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$)"));
    QVERIFY2(rfc3339.match(time).hasMatch(), qPrintable(time));
    const QDateTime parsed = QDateTime::fromString(time, Qt::ISODateWithMs);
    QVERIFY(parsed.isValid());
    QVERIFY(qAbs(parsed.msecsTo(QDateTime::currentDateTimeUtc())) < 60 * 1000);

    const QJsonObject second = parseObject(lines.at(1));
    QCOMPARE(second.value(QStringLiteral("level")).toString(), QStringLiteral("warning"));
    QCOMPARE(second.value(QStringLiteral("category")).toString(), QStringLiteral("pomelo.redis"));
    QVERIFY(!second.contains(QStringLiteral("traceId")));
    QVERIFY(!second.contains(QStringLiteral("spanId")));
}

void TestLogging::textFormatCarriesTraceId()
{
    QVERIFY(installLogHandler(LogFormat::Text, m_path));
    SpanContext context;
    {
        ScopedSpan span(QStringLiteral("GET /api/v1/venues"), SpanKind::Server);
        context = span.context();
        qCWarning(lcHttp, "slow request");
    }
    qCCritical(lcStorage, "database down");
    uninstallLogHandler();

    const QList<QByteArray> lines = readLines(m_path);
    QCOMPARE(lines.size(), 2);
    static const QRegularExpression pattern(QStringLiteral(
        R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\S* warning +pomelo\.http: slow request traceId=([0-9a-f]{32}) spanId=([0-9a-f]{16})$)"));
    const QRegularExpressionMatch match = pattern.match(QString::fromUtf8(lines.at(0)));
    QVERIFY2(match.hasMatch(), lines.at(0).constData());
    QCOMPARE(match.captured(1), context.traceId.toString());
    QCOMPARE(match.captured(2), context.spanId.toString());
    QVERIFY2(lines.at(1).endsWith(" error   pomelo.storage: database down"),
             lines.at(1).constData());
}

void TestLogging::debugIsOffByDefault()
{
    QVERIFY(installLogHandler(LogFormat::JsonLines, m_path));
    qCDebug(lcHttp, "chatty");
    qCInfo(lcHttp, "useful");
    uninstallLogHandler();
    const QList<QByteArray> lines = readLines(m_path);
    QCOMPARE(lines.size(), 1);
    QCOMPARE(parseObject(lines.at(0)).value(QStringLiteral("message")).toString(),
             QStringLiteral("useful"));
}

void TestLogging::handlerRedactsSecrets()
{
    QVERIFY(installLogHandler(LogFormat::JsonLines, m_path));
    qCWarning(lcPay, "bad signature for appId=app_1 sign=deadbeef01 secret=s3cr3t");
    qCInfo(lcChannels, "%s", R"(body {"mchid":"1900","apiV3Key":"k3yv4lue"})");
    uninstallLogHandler();
    QFile file(m_path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray all = file.readAll();
    QVERIFY(!all.contains("deadbeef01"));
    QVERIFY(!all.contains("s3cr3t"));
    QVERIFY(!all.contains("k3yv4lue"));
    QVERIFY(all.contains("appId=app_1"));
    QVERIFY(all.contains("sign=***"));
    QVERIFY(all.contains("1900"));
}

void TestLogging::concurrentWritesStayWholeLines()
{
    QVERIFY(installLogHandler(LogFormat::JsonLines, m_path));
    constexpr int Threads = 4;
    constexpr int PerThread = 250;
    std::vector<std::thread> threads;
    for (int t = 0; t < Threads; ++t) {
        threads.emplace_back([t] {
            ScopedSpan span(QStringLiteral("worker"));
            for (int i = 0; i < PerThread; ++i)
                qCInfo(lcWorkers, "thread %d line %d", t, i);
        });
    }
    for (std::thread &thread : threads)
        thread.join();
    uninstallLogHandler();

    const QList<QByteArray> lines = readLines(m_path);
    QCOMPARE(lines.size(), Threads * PerThread);
    QHash<QString, int> perTrace;
    for (const QByteArray &line : lines) {
        const QJsonObject object = parseObject(line);
        QVERIFY2(!object.isEmpty(), line.constData());
        ++perTrace[object.value(QStringLiteral("traceId")).toString()];
    }
    // Each thread logged under its own span.
    QCOMPARE(perTrace.size(), Threads);
    for (int count : std::as_const(perTrace))
        QCOMPARE(count, PerThread);
}

void TestLogging::unwritableFileFallsBackToStderr()
{
    QVERIFY(!installLogHandler(LogFormat::Text,
                               m_dir->filePath(QStringLiteral("no/such/dir/pomelo.log"))));
    qCInfo(lcApp, "still logged, to stderr"); // must not crash
    // Switching to a valid file afterwards works.
    QVERIFY(installLogHandler(LogFormat::Text, m_path));
    qCInfo(lcApp, "to the file");
    uninstallLogHandler();
    QCOMPARE(readLines(m_path).size(), 1);
}

void TestLogging::redactSecrets_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    auto row = [](const char *name, const char *input, const char *expected) {
        QTest::newRow(name) << QString::fromUtf8(input) << QString::fromUtf8(expected);
    };
    row("plain text", "order 123 paid amount=100", "order 123 paid amount=100");
    row("chinese text", "支付成功 orderId=1 金额=100", "支付成功 orderId=1 金额=100");
    row("query sign", "appId=app1&sign=0a1b2c&nonce=xyz", "appId=app1&sign=***&nonce=xyz");
    row("password", "password=hunter2", "password=***");
    row("dotted key with spaces", "db.password = hunter2 next", "db.password = *** next");
    row("snake and camel keys", "api_key=K1 mchKey=K2 paySign=K3",
        "api_key=*** mchKey=*** paySign=***");
    row("not whole words", "design=nice monkey=banana keyboard=us",
        "design=nice monkey=banana keyboard=us");
    row("single-quoted value", "client_secret='abc def' x=1", "client_secret='***' x=1");
    row("double-quoted value", "token=\"abc def\"", "token=\"***\"");
    row("empty value kept", "token=", "token=");
    row("url query", "https://shop.example/cb?x=1&access_token=abc.def",
        "https://shop.example/cb?x=1&access_token=***");
    row("json string", R"({"appId":"a1","secret":"s3cr3t","amount":100})",
        R"({"appId":"a1","secret":"***","amount":100})");
    row("json with spaces and escape", R"({"paySign": "ab\"cd", "n": 1})",
        R"({"paySign": "***", "n": 1})");
    row("json number", R"({"apiKey":12345})", R"({"apiKey":***})");
    row("json nested", R"({"sign":"s","data":{"access_token":"t","openId":"o-x"}})",
        R"({"sign":"***","data":{"access_token":"***","openId":"o-x"}})");
    row("escaped json", R"(body="{\"token\":\"t0k\",\"id\":1}")",
        R"(body="{\"token\":\"***\",\"id\":1}")");
    row("authorization header",
        "Authorization: WECHATPAY2-SHA256-RSA2048 mchid=\"1900\",signature=\"abc\"",
        "Authorization: ***");
    row("bearer token", "using bearer eyJhbGciOi.abc.def now", "using bearer *** now");
    row("redis url password", "redis://:pa55@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0");
    row("postgres url password", "connecting to postgres://pomelo:pw@db:5432/pomelo",
        "connecting to postgres://pomelo:***@db:5432/pomelo");
    row("url without password", "GET http://127.0.0.1:8080/healthz",
        "GET http://127.0.0.1:8080/healthz");
    row("base64 value with padding", "signature=YWJjZA== ok", "signature=*** ok");
    row("cookie", "Cookie=session=abc", "Cookie=***");
    row("several", "secret=a password=b token=c", "secret=*** password=*** token=***");
}

void TestLogging::redactSecrets()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(pomelo::redactSecrets(input), expected);
}

void TestLogging::formatLogLineEscapesJson()
{
    const QDateTime time(QDate(2024, 5, 1), QTime(12, 0, 0, 123), QTimeZone(8 * 3600));
    const SpanContext context {TraceId::random(), SpanId::random(), 1};
    const QString message = QStringLiteral("quote \" backslash \\ newline \n tab \t bell \a 中文");
    const QByteArray line =
        formatLogLine(LogFormat::JsonLines, QtCriticalMsg, "pomelo.pay", message, time, context);
    QVERIFY(line.endsWith('\n'));
    QCOMPARE(line.count('\n'), 1); // one line, whatever the message holds
    const QJsonObject object = parseObject(line.trimmed());
    QCOMPARE(object.value(QStringLiteral("message")).toString(), message);
    QCOMPARE(object.value(QStringLiteral("time")).toString(),
             QStringLiteral("2024-05-01T12:00:00.123+08:00"));
    QCOMPARE(object.value(QStringLiteral("level")).toString(), QStringLiteral("error"));
    QCOMPARE(object.value(QStringLiteral("traceId")).toString(), context.traceId.toString());
    // Field order as documented: time first.
    QVERIFY(line.startsWith("{\"time\":\"2024-05-01T12:00:00.123+08:00\",\"level\":\"error\","));

    const QByteArray text =
        formatLogLine(LogFormat::Text, QtInfoMsg, nullptr, QStringLiteral("hello"), time);
    QCOMPARE(text, QByteArrayLiteral("2024-05-01T12:00:00.123+08:00 info    default: hello\n"));
}

void TestLogging::escapeControlCharacters_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("plain") << QStringLiteral("GET /api/v1/venues 200")
                           << QStringLiteral("GET /api/v1/venues 200");
    QTest::newRow("newline") << QStringLiteral("/a\nb") << QStringLiteral("/a\\nb");
    QTest::newRow("crlf") << QStringLiteral("/a\r\nb") << QStringLiteral("/a\\r\\nb");
    QTest::newRow("tab") << QStringLiteral("a\tb") << QStringLiteral("a\\tb");
    QTest::newRow("nul") << QString::fromLatin1("a\0b", 3) << QStringLiteral("a\\x00b");
    QTest::newRow("terminal escape")
        << QStringLiteral("\x1b[31mred") << QStringLiteral("\\x1b[31mred");
    QTest::newRow("del") << QStringLiteral("a\x7f") << QStringLiteral("a\\x7f");
    QTest::newRow("C1 next line") << QStringLiteral("a") + QChar(0x85) + QStringLiteral("b")
                                  << QStringLiteral("a\\u0085b");
    QTest::newRow("line separator")
        << QStringLiteral("a") + QChar(0x2028) + QStringLiteral("b") << QStringLiteral("a\\u2028b");
    QTest::newRow("paragraph separator") << QString(QChar(0x2029)) << QStringLiteral("\\u2029");
    // Printable text, non-ASCII included, and backslashes are left alone.
    QTest::newRow("unicode") << QStringLiteral("场馆 é 😀") << QStringLiteral("场馆 é 😀");
    QTest::newRow("backslash") << QStringLiteral(R"({\"k\":1} \n)")
                               << QStringLiteral(R"({\"k\":1} \n)");
}

void TestLogging::escapeControlCharacters()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(pomelo::escapeControlCharacters(input), expected);
}

void TestLogging::textLinesCannotBeForged()
{
    // A request path or header value carrying a line end and a fake entry, logged the way the
    // HTTP layer logs requests: one line in the text log, the fake entry visibly inside it.
    const QString forged = QStringLiteral("/api/v1/venues\r\n2024-05-01T12:00:00.000+08:00 info    "
                                          "pomelo.audit: admin granted\x1b[2K");
    QVERIFY(installLogHandler(LogFormat::Text, m_path));
    qCInfo(lcHttp).noquote() << "GET" << forged << 404 << "0.12ms";
    qCWarning(lcHttp).noquote() << "header" << QStringLiteral("X-Trace: a\nb") << "refused";
    uninstallLogHandler();

    const QList<QByteArray> lines = readLines(m_path);
    QCOMPARE(lines.size(), 2);
    QVERIFY2(lines.at(0).endsWith(
                 "pomelo.http: GET /api/v1/venues\\r\\n2024-05-01T12:00:00.000+08:00 info    "
                 "pomelo.audit: admin granted\\x1b[2K 404 0.12ms"),
             lines.at(0).constData());
    QVERIFY(!lines.at(0).contains('\x1b'));
    QVERIFY2(lines.at(1).endsWith("pomelo.http: header X-Trace: a\\nb refused"),
             lines.at(1).constData());

    // Still redacted: escaping comes after redaction, which looks for the line end.
    const QDateTime time(QDate(2024, 5, 1), QTime(12, 0), QTimeZone(8 * 3600));
    const QByteArray line =
        formatLogLine(LogFormat::Text, QtInfoMsg, "pomelo.http",
                      QStringLiteral("Authorization: Bearer abc.def\nX-Next: 1"), time);
    QCOMPARE(line.count('\n'), 1);
    QVERIFY2(line.endsWith("pomelo.http: Authorization: ***\\nX-Next: 1\n"), line.constData());
    QVERIFY(!line.contains("abc.def"));
}

void TestLogging::levelNames_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("name");
    QTest::newRow("debug") << int(QtDebugMsg) << QStringLiteral("debug");
    QTest::newRow("info") << int(QtInfoMsg) << QStringLiteral("info");
    QTest::newRow("warning") << int(QtWarningMsg) << QStringLiteral("warning");
    QTest::newRow("critical") << int(QtCriticalMsg) << QStringLiteral("error");
    QTest::newRow("fatal") << int(QtFatalMsg) << QStringLiteral("fatal");
}

void TestLogging::levelNames()
{
    QFETCH(int, type);
    QFETCH(QString, name);
    QCOMPARE(QString(logLevelName(QtMsgType(type))), name);
}

void TestLogging::parseLogFormat_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("format"); // -1: invalid
    QTest::newRow("text") << QStringLiteral("text") << int(LogFormat::Text);
    QTest::newRow("TEXT") << QStringLiteral(" TEXT ") << int(LogFormat::Text);
    QTest::newRow("json") << QStringLiteral("json") << int(LogFormat::JsonLines);
    QTest::newRow("jsonlines") << QStringLiteral("JsonLines") << int(LogFormat::JsonLines);
    QTest::newRow("xml") << QStringLiteral("xml") << -1;
    QTest::newRow("empty") << QString() << -1;
}

void TestLogging::parseLogFormat()
{
    QFETCH(QString, name);
    QFETCH(int, format);
    const std::optional<LogFormat> parsed = pomelo::parseLogFormat(name);
    QCOMPARE(parsed ? int(*parsed) : -1, format);
}

QTEST_GUILESS_MAIN(TestLogging)
#include "test_logging.moc"
