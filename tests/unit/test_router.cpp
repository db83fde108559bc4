#include "http/router.h"

#include <QTest>

using namespace pomelo;

class TestRouter : public QObject
{
    Q_OBJECT

private slots:
    void match_data();
    void match();
};

void TestRouter::match_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("pattern"); // empty: no match
    QTest::addColumn<bool>("pathKnown");
    QTest::addColumn<QString>("id");

    QTest::newRow("static") << QByteArray("GET") << QStringLiteral("/healthz")
                            << QStringLiteral("/healthz") << false << QString();
    QTest::newRow("head uses get") << QByteArray("HEAD") << QStringLiteral("/healthz")
                                   << QStringLiteral("/healthz") << false << QString();
    QTest::newRow("param") << QByteArray("GET") << QStringLiteral("/api/v1/bookings/42")
                           << QStringLiteral("/api/v1/bookings/{id}") << false
                           << QStringLiteral("42");
    QTest::newRow("param + suffix")
        << QByteArray("POST") << QStringLiteral("/api/v1/bookings/42/sign")
        << QStringLiteral("/api/v1/bookings/{id}/sign") << false << QStringLiteral("42");
    QTest::newRow("static beats nothing")
        << QByteArray("GET") << QStringLiteral("/api/v1/bookings")
        << QStringLiteral("/api/v1/bookings") << false << QString();
    QTest::newRow("wrong method") << QByteArray("DELETE") << QStringLiteral("/api/v1/bookings/42")
                                  << QString() << true << QString();
    QTest::newRow("empty param") << QByteArray("GET") << QStringLiteral("/api/v1/bookings/")
                                 << QString() << false << QString();
    QTest::newRow("trailing slash")
        << QByteArray("GET") << QStringLiteral("/healthz/") << QString() << false << QString();
    QTest::newRow("too deep") << QByteArray("GET") << QStringLiteral("/api/v1/bookings/42/x/y")
                              << QString() << false << QString();
    QTest::newRow("unknown") << QByteArray("GET") << QStringLiteral("/") << QString() << false
                             << QString();
    QTest::newRow("case matters") << QByteArray("GET") << QStringLiteral("/HEALTHZ") << QString()
                                  << false << QString();
}

void TestRouter::match()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QString, pattern);
    QFETCH(bool, pathKnown);
    QFETCH(QString, id);

    Router router;
    const auto ok = [](const HttpRequest &) {
        return HttpResponse {};
    };
    router.add("GET", QStringLiteral("/healthz"), HandlerMode::Inline, ok);
    router.add("GET", QStringLiteral("/api/v1/bookings"), HandlerMode::Blocking, ok);
    router.add("GET", QStringLiteral("/api/v1/bookings/{id}"), HandlerMode::Blocking, ok);
    router.add("POST", QStringLiteral("/api/v1/bookings/{id}/sign"), HandlerMode::Blocking, ok);

    const Router::Match m = router.match(method, path);
    if (pattern.isEmpty()) {
        QVERIFY(!m.route);
        QCOMPARE(m.pathKnown, pathKnown);
        if (pathKnown)
            QCOMPARE(m.allowedMethods, QByteArrayList {"GET"});
        return;
    }
    QVERIFY(m.route);
    QCOMPARE(m.route->pattern, pattern);
    QCOMPARE(m.params.value(QStringLiteral("id")), id);
}

QTEST_GUILESS_MAIN(TestRouter)
#include "test_router.moc"
