// Tests the database spans of shared/storage/sql.cpp on SQLite and PostgreSQL: one Client child
// span per statement inside a trace, none outside one, and never a bound value in any attribute.
#include "storage/sql_p.h"
#include "storagetest.h"
#include "telemetry/exporters.h"
#include "telemetry/trace.h"

#include <QTest>

using namespace pomelo;
using namespace pomelo::test;

namespace {

// Values that only ever travel as bound parameters.
const QString PlantedStudentId = QStringLiteral("planted-4711-xyz");
const QString PlantedOpenId = QStringLiteral("o-planted-4711-open");
const QString PlantedOutTradeNo = QStringLiteral("planted-4711-trade");
constexpr qint64 PlantedAmount = 98765;

/// Every string a span carries besides its ids: name, status message, attribute values, event
/// names and attributes, link attributes.
QStringList spanTexts(const SpanData &span)
{
    QStringList texts {span.name, span.statusMessage};
    const auto addValues = [&texts](const QVariantMap &attributes) {
        for (auto it = attributes.cbegin(); it != attributes.cend(); ++it) {
            texts << it.key();
            if (it.value().canConvert<QStringList>())
                texts << it.value().toStringList();
            texts << it.value().toString();
        }
    };
    addValues(span.attributes);
    for (const SpanEvent &event : span.events) {
        texts << event.name;
        addValues(event.attributes);
    }
    for (const SpanLink &link : span.links)
        addValues(link.attributes);
    return texts;
}

QStringList namesOf(const QList<SpanData> &spans)
{
    QStringList names;
    for (const SpanData &span : spans)
        names << span.name;
    return names;
}

} // namespace

class TestSqlSpans : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(m_backends.start(), qPrintable(m_backends.errorString())); }
    void init();
    void cleanup();
    void statementsInsideATraceMakeChildSpans_data() { backendRows(); }
    void statementsInsideATraceMakeChildSpans();
    void noSpanOutsideATraceOrWithoutExporter_data() { backendRows(); }
    void noSpanOutsideATraceOrWithoutExporter();

private:
    static void backendRows()
    {
        StorageBackends::addColumn();
        StorageBackends::addRows();
    }
    /// The spans exported since the last call (kept in m_taken too).
    QList<SpanData> takeSpans()
    {
        const QList<SpanData> spans = m_exporter->spans();
        m_exporter->clear();
        m_taken.append(spans);
        return spans;
    }

    StorageBackends m_backends;
    std::shared_ptr<InMemorySpanExporter> m_exporter;
    QList<SpanData> m_taken;
};

void TestSqlSpans::init()
{
    m_exporter = std::make_shared<InMemorySpanExporter>();
    m_taken.clear();
}

void TestSqlSpans::cleanup()
{
    Tracer::instance().setExporters({});
    m_exporter.reset();
}

void TestSqlSpans::statementsInsideATraceMakeChildSpans()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    QVERIFY(db);
    addApp(*db, QStringLiteral("app-1"));
    const QString dbSystem = backend == QLatin1String("sqlite") ? QStringLiteral("sqlite")
                                                                : QStringLiteral("postgresql");
    Tracer::instance().setExporters({m_exporter});
    UserRepository users(*db);
    OrderRepository orders(*db);
    PayOrder order = sampleOrder(7001, QStringLiteral("app-1"), PlantedOutTradeNo);
    order.amount = PlantedAmount;
    order.studentId = PlantedStudentId;

    SpanContext root;
    {
        ScopedSpan request(QStringLiteral("request"), SpanKind::Server);
        root = request.context();

        // A user: a read that finds nothing, the insert and its commit, the read back.
        const User user = users.findOrCreate(PlantedOpenId);
        QCOMPARE(namesOf(takeSpans()),
                 (QStringList {QStringLiteral("SELECT users"), QStringLiteral("INSERT users"),
                               QStringLiteral("COMMIT"), QStringLiteral("SELECT users")}));
        QVERIFY(db->transact([&](Transaction &tx) {
            return users.updateProfile(tx, user.id, PlantedStudentId, QStringLiteral("李华"),
                                       QStringLiteral("13800004711"));
        }));
        QCOMPARE(users.find(user.id)->studentId, PlantedStudentId);
        QCOMPARE(namesOf(takeSpans()),
                 (QStringList {QStringLiteral("UPDATE users"), QStringLiteral("COMMIT"),
                               QStringLiteral("SELECT users")}));

        // An order and its event, read back.
        addOrder(*db, order);
        QCOMPARE(orders.find(order.id)->amount, PlantedAmount);
        QCOMPARE(namesOf(takeSpans()),
                 (QStringList {QStringLiteral("INSERT pay_orders"),
                               QStringLiteral("INSERT order_events"), QStringLiteral("COMMIT"),
                               QStringLiteral("SELECT pay_orders")}));

        // A transaction that rolls back.
        {
            Transaction tx(*db);
            QVERIFY(users.updateProfile(tx, user.id, PlantedStudentId + u'2', {}, {}));
        }
        QCOMPARE(users.find(user.id)->studentId, PlantedStudentId);
        QCOMPARE(namesOf(takeSpans()),
                 (QStringList {QStringLiteral("UPDATE users"), QStringLiteral("ROLLBACK"),
                               QStringLiteral("SELECT users")}));

        // A statement that fails: the open id is unique.
        bool unique = false;
        try {
            Transaction tx(*db);
            storage_detail::Statement(tx,
                                      QStringLiteral("INSERT INTO users (open_id, created_at, "
                                                     "updated_at) VALUES (?, ?, ?)"))
                .bind(PlantedOpenId)
                .bind(PlantedAmount)
                .bind(PlantedAmount)
                .exec();
        } catch (const UniqueViolation &) {
            unique = true;
        }
        QVERIFY(unique);
        const QList<SpanData> failed = takeSpans();
        QCOMPARE(namesOf(failed),
                 (QStringList {QStringLiteral("INSERT users"), QStringLiteral("ROLLBACK")}));
        QCOMPARE(failed.at(0).status, SpanStatus::Error);
        QCOMPARE(failed.at(0).statusMessage, QStringLiteral("unique_violation"));
        QCOMPARE(failed.at(0).attributes.value(QStringLiteral("error.type")).toString(),
                 QStringLiteral("unique_violation"));
        QCOMPARE(failed.at(1).status, SpanStatus::Unset);
    }
    QCOMPARE(namesOf(takeSpans()), QStringList {QStringLiteral("request")});

    QCOMPARE(m_taken.size(), 17);
    for (const SpanData &span : std::as_const(m_taken)) {
        // Not a value anywhere: not in the statement, not in the failure.
        for (const QString &text : spanTexts(span)) {
            QVERIFY2(!text.contains(QLatin1String("4711")), qPrintable(span.name + u':' + text));
            QVERIFY2(!text.contains(QLatin1String("98765")), qPrintable(span.name + u':' + text));
        }
        if (span.spanId == root.spanId)
            continue;
        QCOMPARE(span.traceId, root.traceId);
        QCOMPARE(span.parentSpanId, root.spanId);
        QCOMPARE(span.kind, SpanKind::Client);
        const QVariantMap &a = span.attributes;
        QCOMPARE(a.value(QStringLiteral("db.system")).toString(), dbSystem);
        const QStringList words = span.name.split(u' ');
        QCOMPARE(a.value(QStringLiteral("db.operation")).toString(), words.first());
        const QString statement = a.value(QStringLiteral("db.statement")).toString();
        QVERIFY2(statement.startsWith(words.first(), Qt::CaseInsensitive), qPrintable(statement));
        if (words.size() == 1) { // COMMIT, ROLLBACK
            QCOMPARE(statement, words.first());
            QVERIFY(!a.contains(QStringLiteral("db.sql.table")));
            continue;
        }
        QCOMPARE(a.value(QStringLiteral("db.sql.table")).toString(), words.at(1));
        QVERIFY2(statement.contains(u'?'), qPrintable(statement));
        if (words.first() == QLatin1String("SELECT")) {
            QVERIFY(!a.contains(QStringLiteral("db.response.rows_affected")));
        } else if (span.status != SpanStatus::Error) {
            QVERIFY(a.contains(QStringLiteral("db.response.rows_affected")));
            // With RETURNING, drivers count rows only once all were read.
            if (!statement.contains(QLatin1String("RETURNING")))
                QCOMPARE(a.value(QStringLiteral("db.response.rows_affected")).toLongLong(), 1);
        }
    }
}

void TestSqlSpans::noSpanOutsideATraceOrWithoutExporter()
{
    QFETCH(QString, backend);
    auto db = migratedDatabase(m_backends, backend);
    QVERIFY(db);
    UserRepository users(*db);

    // No current span context (a worker polling): no span, and no new root trace.
    Tracer::instance().setExporters({m_exporter});
    QVERIFY(!currentSpanContext().isValid());
    const User user = users.findOrCreate(PlantedOpenId);
    QVERIFY(db->transact([&](Transaction &tx) {
        return users.updateProfile(tx, user.id, PlantedStudentId, {}, {});
    }));
    QCOMPARE(m_exporter->count(), 0);

    // No exporter: nothing records, even if one is set before the trace ends.
    Tracer::instance().setExporters({});
    {
        ScopedSpan request(QStringLiteral("request"));
        QVERIFY(users.find(user.id));
        Tracer::instance().setExporters({m_exporter});
    }
    QCOMPARE(m_exporter->count(), 0);
}

QTEST_GUILESS_MAIN(TestSqlSpans)
#include "test_sqlspans.moc"
