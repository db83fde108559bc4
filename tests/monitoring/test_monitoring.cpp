// Tests resources/monitoring against a real pomelo-server on a real socket, with a real
// redis-server and SQLite or PostgreSQL: every metric that an alert rule or a dashboard panel
// uses is in the server's /metrics exposition, the dependency gauges follow Redis, the dashboard
// is a valid Grafana dashboard, and every alert has its labels, annotations and promtool cases.
// (promtool itself runs as the ctest entries monitoring/promtool_*.)
#include "payclient.h"
#include "pgserver.h"
#include "redisserver.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace pomelo::test;

namespace {

QString monitoringFile(const QString &name)
{
    return QStringLiteral(POMELO_MONITORING_DIR "/") + name;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return file.readAll();
}

/// The `expr:` values of a Prometheus rules file (single-line, or a `|` block: the lines indented
/// deeper than `expr:`).
QStringList ruleExpressions(const QByteArray &yaml)
{
    static const QRegularExpression exprLine(QStringLiteral("^(\\s*)expr:\\s*(.*)$"));
    const QStringList lines = QString::fromUtf8(yaml).split(u'\n');
    QStringList exprs;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QRegularExpressionMatch m = exprLine.match(lines.at(i));
        if (!m.hasMatch())
            continue;
        const QString value = m.captured(2).trimmed();
        if (value != QLatin1String("|") && value != QLatin1String(">")) {
            exprs.append(value);
            continue;
        }
        const qsizetype indent = m.captured(1).size();
        QString block;
        while (i + 1 < lines.size()) {
            const QString next = lines.at(i + 1);
            const qsizetype nextIndent = next.size() - next.trimmed().size();
            if (!next.trimmed().isEmpty() && nextIndent <= indent)
                break;
            block += next + u'\n';
            ++i;
        }
        exprs.append(block.trimmed());
    }
    return exprs;
}

/// Every "expr" string of a Grafana dashboard, and the metric of each `label_values(metric…)`.
void dashboardExpressions(const QJsonValue &value, QStringList &exprs)
{
    // A variable's `label_values(SELECTOR, label)`: the selector.
    static const QRegularExpression labelValuesSelector(
        QStringLiteral("label_values\\(((?:[^,{]|\\{[^}]*\\})*)"));
    if (value.isArray()) {
        for (const QJsonValue &v : value.toArray())
            dashboardExpressions(v, exprs);
    } else if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (it.key() == QLatin1String("expr") && it.value().isString())
                exprs.append(it.value().toString());
            else if (it.key() == QLatin1String("definition") && it.value().isString())
                exprs.append(labelValuesSelector.match(it.value().toString()).captured(1));
            else
                dashboardExpressions(it.value(), exprs);
        }
    }
}

/// The metric names a PromQL expression selects: what remains once strings, label matchers,
/// ranges, grouping clauses, functions, keywords and Grafana variables are taken out.
QSet<QString> metricNames(QString expr)
{
    static const QList<QRegularExpression> strip {
        QRegularExpression(QStringLiteral("\"(?:[^\"\\\\]|\\\\.)*\"")),
        QRegularExpression(QStringLiteral("'(?:[^'\\\\]|\\\\.)*'")),
        QRegularExpression(QStringLiteral("\\{[^}]*\\}")),
        QRegularExpression(QStringLiteral("\\[[^\\]]*\\]")),
        QRegularExpression(
            QStringLiteral("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)")),
        QRegularExpression(QStringLiteral("\\$\\w+")),
    };
    for (const QRegularExpression &re : strip)
        expr.replace(re, QStringLiteral(" "));
    static const QRegularExpression identifier(
        QStringLiteral("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?"));
    static const QSet<QString> keywords {QStringLiteral("and"), QStringLiteral("or"),
                                         QStringLiteral("unless"), QStringLiteral("bool"),
                                         QStringLiteral("offset")};
    QSet<QString> names;
    for (auto it = identifier.globalMatch(expr); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        if (m.capturedLength(2) > 0 || keywords.contains(m.captured(1)))
            continue; // a function call or an operator
        names.insert(m.captured(1));
    }
    return names;
}

/// The sample names of a Prometheus text exposition.
QSet<QString> exposedNames(const QByteArray &exposition)
{
    QSet<QString> names;
    for (const QByteArray &line : exposition.split('\n')) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        qsizetype end = 0;
        while (end < line.size() && line.at(end) != '{' && line.at(end) != ' ')
            ++end;
        names.insert(QString::fromLatin1(line.left(end)));
    }
    return names;
}

/// The value of the unlabelled sample @p name, or NaN.
double sampleValue(const QByteArray &exposition, const QByteArray &name)
{
    for (const QByteArray &line : exposition.split('\n')) {
        if (line.startsWith(name) && line.mid(name.size()).startsWith(' '))
            return line.mid(name.size() + 1).trimmed().toDouble();
    }
    return qQNaN();
}

/// The WeChat Pay platform-certificate metrics exist once the server has downloaded certificates:
/// the sandbox is switched to certificate mode and a WeChat cashier call (its prepay answer is
/// signed with a certificate the server does not hold yet) makes the server download them.
/// Returns the certificate's serial, or "" when a step failed.
QString downloadWechatCertificates(ServerProcess &server)
{
    const HttpResult mode =
        server.post(QStringLiteral("/sandbox/wechat/simulate/key-mode"),
                    compact({{QStringLiteral("mode"), QStringLiteral("certificate")}}));
    if (mode.status != 200) {
        qWarning("key-mode: %d %s", mode.status, mode.body.constData());
        return {};
    }
    const PayApi pay(server, demoApp(server.dataDir(), QStringLiteral("utility-topup")));
    const QString orderId = pay.createOrder(QStringLiteral("MON-WECHAT-1"), 1500);
    if (orderId.isEmpty())
        return {};
    const HttpResult cashier = pay.cashier(orderId, 1500, QStringLiteral("WECHAT_JSAPI"));
    if (cashier.status != 200) {
        qWarning("cashier: %d %s", cashier.status, cashier.body.constData());
        return {};
    }
    return mode.json()[QStringLiteral("serial")].toString();
}

QStringList alertNames(const QByteArray &rules)
{
    static const QRegularExpression alert(QStringLiteral("^\\s*- alert:\\s*(\\S+)\\s*$"),
                                          QRegularExpression::MultilineOption);
    QStringList names;
    for (auto it = alert.globalMatch(QString::fromUtf8(rules)); it.hasNext();)
        names.append(it.next().captured(1));
    return names;
}

} // namespace

class TestMonitoring : public QObject
{
    Q_OBJECT

private slots:
    void metricNamesOfExpressions_data();
    void metricNamesOfExpressions();
    void everyAlertIsDocumentedAndTested();
    void dashboardIsValid();
    void everyUsedMetricIsExported_data();
    void everyUsedMetricIsExported();
    void redisGaugeFollowsRedis();

private:
    PgServer m_pg;
};

void TestMonitoring::metricNamesOfExpressions_data()
{
    QTest::addColumn<QString>("expr");
    QTest::addColumn<QStringList>("names");
    QTest::newRow("selector") << QStringLiteral("up{job=\"pomelo\"} == 0")
                              << QStringList {QStringLiteral("up")};
    QTest::newRow("functions and grouping")
        << QStringLiteral("sum by (job, le) (rate(a_total{status=~\"5..\"}[5m])) / "
                          "sum without (instance) (rate(b_total[$__rate_interval])) > 0.05")
        << QStringList {QStringLiteral("a_total"), QStringLiteral("b_total")};
    QTest::newRow("keywords and time()")
        << QStringLiteral("max(x) - time() < 7 * 86400 or max(y) > 1e3 and on (job) z")
        << QStringList {QStringLiteral("x"), QStringLiteral("y"), QStringLiteral("z")};
}

void TestMonitoring::metricNamesOfExpressions()
{
    QFETCH(QString, expr);
    QFETCH(QStringList, names);
    QStringList got = metricNames(expr).values();
    got.sort();
    QCOMPARE(got, names);
}

void TestMonitoring::everyAlertIsDocumentedAndTested()
{
    const QByteArray rules = readFile(monitoringFile(QStringLiteral("pomelo-alerts.yml")));
    const QByteArray tests =
        readFile(monitoringFile(QStringLiteral("tests/pomelo-alerts.test.yml")));
    const QStringList alerts = alertNames(rules);
    QVERIFY(alerts.size() >= 13);
    QCOMPARE(ruleExpressions(rules).size(), alerts.size());
    // Each alert's block: from its "- alert:" line to the next.
    const QString text = QString::fromUtf8(rules);
    for (qsizetype i = 0; i < alerts.size(); ++i) {
        const QString name = alerts.at(i);
        const qsizetype from = text.indexOf(QStringLiteral("- alert: ") + name);
        const qsizetype to = i + 1 < alerts.size()
            ? text.indexOf(QStringLiteral("- alert: ") + alerts.at(i + 1))
            : text.size();
        const QString block = text.mid(from, to - from);
        static const QRegularExpression severity(QStringLiteral("severity: (critical|warning)\\n"));
        QVERIFY2(block.contains(severity), qPrintable(name));
        for (const char *annotation : {"summary: ", "description: ", "runbook: "})
            QVERIFY2(block.contains(QLatin1String(annotation)),
                     qPrintable(name + u' ' + QLatin1String(annotation)));
        // promtool's unit tests: one case where it fires, one where it stays quiet.
        const QByteArray utf8 = name.toUtf8();
        QVERIFY2(tests.contains(QByteArray("name: " + utf8 + " fires\n")), utf8.constData());
        QVERIFY2(tests.contains(QByteArray("name: " + utf8 + " stays quiet\n")), utf8.constData());
    }
}

void TestMonitoring::dashboardIsValid()
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(
        readFile(monitoringFile(QStringLiteral("pomelo-dashboard.json"))), &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    const QJsonObject dash = doc.object();
    QVERIFY(dash.value(QStringLiteral("schemaVersion")).toInt() >= 36);
    QVERIFY(!dash.value(QStringLiteral("uid")).toString().isEmpty());
    const QJsonArray inputs = dash.value(QStringLiteral("__inputs")).toArray();
    QCOMPARE(inputs.size(), 1);
    QCOMPARE(inputs.at(0).toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("DS_PROMETHEUS"));
    const QJsonArray panels = dash.value(QStringLiteral("panels")).toArray();
    int queries = 0;
    QSet<int> ids;
    for (const QJsonValue &p : panels) {
        const QJsonObject panel = p.toObject();
        const int id = panel.value(QStringLiteral("id")).toInt();
        QVERIFY2(!ids.contains(id), qPrintable(QString::number(id)));
        ids.insert(id);
        if (panel.value(QStringLiteral("type")).toString() == QLatin1String("row"))
            continue;
        // Every panel and query reads the imported data source.
        QCOMPARE(panel.value(QStringLiteral("datasource"))
                     .toObject()
                     .value(QStringLiteral("uid"))
                     .toString(),
                 QStringLiteral("${DS_PROMETHEUS}"));
        const QJsonArray targets = panel.value(QStringLiteral("targets")).toArray();
        QVERIFY2(!targets.isEmpty(), qPrintable(panel.value(QStringLiteral("title")).toString()));
        for (const QJsonValue &t : targets) {
            QCOMPARE(t.toObject()
                         .value(QStringLiteral("datasource"))
                         .toObject()
                         .value(QStringLiteral("uid"))
                         .toString(),
                     QStringLiteral("${DS_PROMETHEUS}"));
            QVERIFY(!t.toObject().value(QStringLiteral("expr")).toString().isEmpty());
            ++queries;
        }
        const QJsonObject grid = panel.value(QStringLiteral("gridPos")).toObject();
        QVERIFY(grid.value(QStringLiteral("x")).toInt() + grid.value(QStringLiteral("w")).toInt()
                <= 24);
    }
    QVERIFY(queries >= 20);
}

void TestMonitoring::everyUsedMetricIsExported_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgres") << QStringLiteral("postgres");
}

void TestMonitoring::everyUsedMetricIsExported()
{
    QFETCH(QString, backend);
    QStringList exprs =
        ruleExpressions(readFile(monitoringFile(QStringLiteral("pomelo-alerts.yml"))));
    const int ruleCount = int(exprs.size());
    dashboardExpressions(
        QJsonDocument::fromJson(readFile(monitoringFile(QStringLiteral("pomelo-dashboard.json"))))
            .object(),
        exprs);
    QVERIFY(exprs.size() > ruleCount);
    QSet<QString> used;
    for (const QString &expr : std::as_const(exprs))
        used.unite(metricNames(expr));
    used.remove(QStringLiteral("up")); // Prometheus's own, per target

    RedisServer redis;
    QVERIFY(redis.start());
    QStringList args {QStringLiteral("--redis"), redis.url()};
    if (backend == QLatin1String("postgres")) {
        QVERIFY2(m_pg.isRunning() || m_pg.start(), qPrintable(m_pg.errorString()));
        args << QStringLiteral("--database") << m_pg.createDatabase(QStringLiteral("monitoring"));
    }
    // Demo data: a pay app whose WeChat order makes the server download platform certificates.
    ServerProcess server(args, {QStringLiteral("POMELO_SERVER_DEMO_DATA=on")});
    QVERIFY2(server.start(30000), server.output().constData());
    QCOMPARE(server.get(QStringLiteral("/healthz")).status, 200); // an HTTP series to show
    const QString serial = downloadWechatCertificates(server);
    QCOMPARE(serial.size(), 40);

    // The collector's first round runs at start, in the background.
    QByteArray exposition;
    QTRY_VERIFY_WITH_TIMEOUT((exposition = server.get(QStringLiteral("/metrics")).body,
                              sampleValue(exposition, "pomelo_redis_up") == 1
                                  && sampleValue(exposition, "pomelo_database_up") == 1),
                             20000);
    const QSet<QString> exposed = exposedNames(exposition);
    QStringList missing;
    for (const QString &name : std::as_const(used)) {
        if (!exposed.contains(name))
            missing.append(name);
    }
    missing.sort();
    QVERIFY2(missing.isEmpty(), qPrintable(missing.join(u' ')));
    // The labelled series the rules group by exist from the start, at 0.
    for (const char *series :
         {"pomelo_delayed_queue_overdue{queue=\"order-timeout\"} 0",
          "pomelo_delayed_queue_overdue{queue=\"booking-expiry\"} 0",
          "pomelo_payment_exceptions_open{state=\"REFUND_FAILED\"} 0",
          "pomelo_merchant_notify_attempts_total{result=\"failed\"} 0",
          "pomelo_merchant_notifications_failed 0", "pomelo_refunds_processing 0",
          "pomelo_refunds_processing_oldest_seconds 0",
          "pomelo_wechat_signature_failures_total{kind=\"notification\"} 0",
          "pomelo_wechat_signature_failures_total{kind=\"response\"} 0"})
        QVERIFY2(exposition.contains(series), series);
    QVERIFY2(exposition.contains("pomelo_stream_dead_letters_total{"), exposition.constData());
    const QByteArray expiry =
        "pomelo_wechat_platform_certificate_expiry_timestamp_seconds{serial=\"" + serial.toLatin1()
        + '"' + '}';
    QVERIFY2(sampleValue(exposition, expiry) > double(QDateTime::currentSecsSinceEpoch()),
             expiry.constData());
}

void TestMonitoring::redisGaugeFollowsRedis()
{
    RedisServer redis;
    QVERIFY(redis.start());
    ServerProcess server({QStringLiteral("--redis"), redis.url()});
    QVERIFY2(server.start(30000), server.output().constData());
    const auto gauge = [&](const QByteArray &name) {
        return sampleValue(server.get(QStringLiteral("/metrics")).body, name);
    };
    QTRY_COMPARE_WITH_TIMEOUT(gauge("pomelo_redis_up"), 1.0, 20000);
    redis.stop();
    // The next collection round (every 15 s) sees it; the database stays up.
    QTRY_COMPARE_WITH_TIMEOUT(gauge("pomelo_redis_up"), 0.0, 40000);
    QCOMPARE(gauge("pomelo_database_up"), 1.0);
    QVERIFY(redis.start());
    QTRY_COMPARE_WITH_TIMEOUT(gauge("pomelo_redis_up"), 1.0, 40000);
}

QTEST_GUILESS_MAIN(TestMonitoring)
#include "test_monitoring.moc"
