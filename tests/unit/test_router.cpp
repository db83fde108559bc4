#include "domain/errors.h"
#include "http/router.h"
#include "storage/staffuserrepository.h"

#include <QTest>

#include <stdexcept>

using namespace pomelo;

class TestRouter : public QObject
{
    Q_OBJECT

private slots:
    void match_data();
    void match();
    void access_data();
    void access();
    void undeclaredCheckerRefused();
    void refusalCarriesResponse();
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

namespace {

/// A router whose student check accepts "Bearer good-token" (user 42) and whose console check
/// knows "Bearer staff-token" (role staff) and "Bearer admin-token" (role admin).
void installCheckers(Router &router)
{
    router.setAuthenticator(Access::Kind::Student, [](const Access &, const HttpRequest &r) {
        if (r.bearerToken() != QLatin1String("good-token"))
            throw Error(ErrorCode::Unauthorized, QStringLiteral("no student"));
        return Principal {StudentPrincipal {42}};
    });
    router.setAuthenticator(Access::Kind::Staff, [](const Access &a, const HttpRequest &r) {
        StaffPrincipal who;
        if (r.bearerToken() == QLatin1String("staff-token"))
            who = {7, QStringLiteral("desk"), StaffRole::Staff};
        else if (r.bearerToken() == QLatin1String("admin-token"))
            who = {8, QStringLiteral("root"), StaffRole::Admin};
        else
            throw Error(ErrorCode::Unauthorized, QStringLiteral("no console user"));
        if (a.kind == Access::Kind::Admin && who.role != StaffRole::Admin)
            throw Error(ErrorCode::Forbidden, QStringLiteral("not admin"));
        return Principal {who};
    });
}

HttpRequest requestWith(const QByteArray &authorization)
{
    HttpRequest r;
    r.method = "GET";
    r.path = QStringLiteral("/x");
    if (!authorization.isEmpty())
        r.headers.append({QByteArrayLiteral("Authorization"), authorization});
    return r;
}

} // namespace

void TestRouter::access_data()
{
    QTest::addColumn<QString>("kind"); // student, staff, admin, public
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<int>("error"); // 0: the handler runs
    QTest::addColumn<QString>("who"); // what the handler saw

    QTest::newRow("public, nobody") << "public" << QByteArray() << 0 << "anonymous";
    QTest::newRow("public ignores a token")
        << "public" << QByteArray("Bearer good-token") << 0 << "anonymous";
    QTest::newRow("student") << "student" << QByteArray("Bearer good-token") << 0 << "user 42";
    QTest::newRow("student, no header") << "student" << QByteArray() << 4010 << "";
    QTest::newRow("student, wrong token") << "student" << QByteArray("Bearer bad") << 4010 << "";
    QTest::newRow("student, not bearer")
        << "student" << QByteArray("Basic good-token") << 4010 << "";
    QTest::newRow("student route, console token")
        << "student" << QByteArray("Bearer admin-token") << 4010 << "";
    QTest::newRow("staff route, staff")
        << "staff" << QByteArray("Bearer staff-token") << 0 << "desk";
    QTest::newRow("staff route, admin")
        << "staff" << QByteArray("Bearer admin-token") << 0 << "root";
    QTest::newRow("staff route, student token")
        << "staff" << QByteArray("Bearer good-token") << 4010 << "";
    QTest::newRow("admin route, staff")
        << "admin" << QByteArray("Bearer staff-token") << 4030 << "";
    QTest::newRow("admin route, admin")
        << "admin" << QByteArray("Bearer admin-token") << 0 << "root";
}

void TestRouter::access()
{
    QFETCH(QString, kind);
    QFETCH(QByteArray, authorization);
    QFETCH(int, error);
    QFETCH(QString, who);

    Router router;
    installCheckers(router);
    QString seen;
    const auto describe = [&seen](const HttpRequest &, const Principal &p) {
        if (std::holds_alternative<Anonymous>(p))
            seen = QStringLiteral("anonymous");
        else if (const auto *s = std::get_if<StudentPrincipal>(&p))
            seen = QStringLiteral("user %1").arg(s->userId);
        else if (const auto *staff = std::get_if<StaffPrincipal>(&p))
            seen = staff->username;
        return HttpResponse {};
    };
    const Access access = kind == QLatin1String("student") ? Access::student()
        : kind == QLatin1String("staff")                   ? Access::staff()
        : kind == QLatin1String("admin")                   ? Access::admin()
                                                           : Access::anyone();
    router.add("GET", QStringLiteral("/x"), access, describe);
    const Router::Match m = router.match("GET", QStringLiteral("/x"));
    QVERIFY(m.route);
    QCOMPARE(m.route->access.kind, access.kind);
    try {
        m.route->handler(requestWith(authorization));
        QCOMPARE(error, 0);
    } catch (const Error &e) {
        QCOMPARE(static_cast<int>(e.code()), error);
        QVERIFY2(seen.isEmpty(), "the handler must not run when the check fails");
        return;
    }
    QCOMPARE(seen, who);
}

void TestRouter::undeclaredCheckerRefused()
{
    // A route nobody can check must stop the start, not answer everyone.
    Router router;
    const auto ok = [](const HttpRequest &, const Principal &) {
        return HttpResponse {};
    };
    QVERIFY_THROWS_EXCEPTION(std::logic_error,
                             router.add("GET", QStringLiteral("/me"), Access::student(), ok));
    QVERIFY_THROWS_EXCEPTION(std::logic_error,
                             router.add("POST", QStringLiteral("/notify"),
                                        Access::channelCallback(QStringLiteral("X")), ok));
    installCheckers(router);
    // The student check does not check a channel: each channel installs its own.
    QVERIFY_THROWS_EXCEPTION(std::logic_error,
                             router.add("POST", QStringLiteral("/notify"),
                                        Access::channelCallback(QStringLiteral("X")), ok));
    QVERIFY(router.routes().isEmpty());
}

void TestRouter::refusalCarriesResponse()
{
    // A channel's check refuses in the channel's own terms and hands over the verified message.
    Router router;
    router.setAuthenticator(
        Access::Kind::Channel,
        [](const Access &a, const HttpRequest &r) -> Principal {
            if (r.body != "signed")
                throw HttpRefusal(HttpResponse::json(401, QByteArrayLiteral(R"({"code":"FAIL"})")));
            return ChannelPrincipal {a.channel, QStringLiteral("verified")};
        },
        QStringLiteral("CARD"));
    router.add("POST", QStringLiteral("/notify"), Access::channelCallback(QStringLiteral("CARD")),
               Router::as<ChannelPrincipal>([](const HttpRequest &, const ChannelPrincipal &p) {
                   return HttpResponse::text(
                       200, (p.channel + u' ' + std::any_cast<QString>(p.message)).toUtf8());
               }));
    const Router::Match m = router.match("POST", QStringLiteral("/notify"));
    QVERIFY(m.route);
    HttpRequest r;
    r.body = "signed";
    QCOMPARE(m.route->handler(r).body, QByteArray("CARD verified"));
    r.body = "forged";
    try {
        m.route->handler(r);
        QFAIL("a forged callback reached its handler");
    } catch (const HttpRefusal &refusal) {
        QCOMPARE(refusal.response().status, 401);
        QCOMPARE(refusal.response().body, QByteArray(R"({"code":"FAIL"})"));
    }
}

QTEST_GUILESS_MAIN(TestRouter)
#include "test_router.moc"
