// server.trusted_proxies through a real pomelo-server on SQLite and PostgreSQL: behind a trusted
// proxy the console login throttle, the audit log and the access log see the client named by
// X-Forwarded-For, so one attacker's failures do not lock out everyone behind the proxy; without
// the key the header is ignored; a bad value stops the server at start naming the key.
#include "bookingclient.h"

#include <QJsonArray>
#include <QRegularExpression>

using namespace pomelo::test;

namespace {

const QString AdminPassword = QStringLiteral("admin-pass-123");
const QString Attacker = QStringLiteral("203.0.113.7");
const QString Office = QStringLiteral("198.51.100.20");

using Headers = QList<QPair<QByteArray, QByteArray>>;

HttpResult login(ServerProcess &server, const QString &password, const QByteArray &forwardedFor)
{
    Headers headers;
    if (!forwardedFor.isEmpty())
        headers.append({QByteArrayLiteral("X-Forwarded-For"), forwardedFor});
    return server.post(
        QStringLiteral("/admin/v1/login"),
        QJsonDocument(QJsonObject {{QStringLiteral("username"), QStringLiteral("admin")},
                                   {QStringLiteral("password"), password}})
            .toJson(QJsonDocument::Compact),
        headers);
}

/// Wrong passwords from @p forwardedFor until refused; the number of 401s before the 429.
int failUntilBlocked(ServerProcess &server, const QByteArray &forwardedFor)
{
    for (int i = 0; i < 50; ++i) {
        const HttpResult r = login(server, QStringLiteral("guess-%1").arg(i), forwardedFor);
        if (r.status == 429 && errorCode(r) == 4290)
            return i;
        if (r.status != 401)
            return -1;
    }
    return -1;
}

/// The remoteAddress of every audit entry of @p action, newest first.
QStringList auditAddresses(ServerProcess &server, const QByteArray &token, const QString &action)
{
    const HttpResult r =
        server.get(QStringLiteral("/admin/v1/audit?limit=200&action=") + action,
                   {{QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + token}});
    QStringList addresses;
    for (const QJsonValue &e : r.json()[QStringLiteral("items")].toArray())
        addresses.append(e[QStringLiteral("remoteAddress")].toString());
    return addresses;
}

std::unique_ptr<ServerProcess> start(const QString &backend, const QStringList &env)
{
    // Blocks long enough that "still blocked" below cannot be a block that just ran out.
    return BookingHarness::startServer(
        backend, {},
        QStringList {QStringLiteral("POMELO_ADMIN_INITIAL_PASSWORD=") + AdminPassword,
                     QStringLiteral("POMELO_ADMIN_LOGIN_BLOCK_SECONDS=120")}
            + env);
}

} // namespace

class TestProxy : public QObject
{
    Q_OBJECT

private slots:
    void trustedProxyNamesTheClient_data() { addBackendRows(); }
    void trustedProxyNamesTheClient();
    void headerIgnoredWithoutTrustedProxies_data() { addBackendRows(); }
    void headerIgnoredWithoutTrustedProxies();
    void invalidTrustedProxiesStopTheServer();
};

void TestProxy::trustedProxyNamesTheClient()
{
    QFETCH(QString, backend);
    auto server = start(backend, {QStringLiteral("POMELO_SERVER_TRUSTED_PROXIES=127.0.0.1")});
    QVERIFY(server);

    QCOMPARE(failUntilBlocked(*server, Attacker.toLatin1()), 5); // admin.login_max_failures
    // Still refused from the attacker's address, right password or not, and with a forged
    // leftmost entry (only what the trusted proxy appended is believed).
    QCOMPARE(login(*server, AdminPassword, Attacker.toLatin1()).status, 429);
    QCOMPARE(login(*server, AdminPassword, (Office + u',' + Attacker).toLatin1()).status, 429);

    // Another client behind the same proxy is not locked out, nor is the proxy's own address.
    HttpResult r = login(*server, AdminPassword, Office.toLatin1());
    QVERIFY2(r.status == 200, r.body.constData());
    const QByteArray token = r.json()[QStringLiteral("token")].toString().toLatin1();
    QVERIFY(!token.isEmpty());
    QCOMPARE(login(*server, AdminPassword, {}).status, 200);

    // The audit log records the client, not the proxy.
    const QStringList failed = auditAddresses(*server, token, QStringLiteral("login_failed"));
    QCOMPARE(failed.size(), 5);
    QCOMPARE(failed.count(Attacker), 5);
    const QStringList ok = auditAddresses(*server, token, QStringLiteral("login"));
    QVERIFY2(ok.contains(Office) && ok.contains(QStringLiteral("127.0.0.1")),
             qPrintable(ok.join(u' ')));
    QVERIFY(!ok.contains(Attacker));

    // …and so does the access log line of each request.
    const QString log = QString::fromUtf8(server->output());
    QVERIFY2(log.contains(QRegularExpression(QStringLiteral("/admin/v1/login 401 .*")
                                             + QRegularExpression::escape(Attacker))),
             qPrintable(log.right(2000)));
}

void TestProxy::headerIgnoredWithoutTrustedProxies()
{
    QFETCH(QString, backend);
    auto server = start(backend, {});
    QVERIFY(server);

    QCOMPARE(failUntilBlocked(*server, Attacker.toLatin1()), 5);
    // The header names nobody: every request is the peer's (127.0.0.1), which is now blocked,
    // whatever address the header claims.
    QCOMPARE(login(*server, AdminPassword, Office.toLatin1()).status, 429);
    QCOMPARE(login(*server, AdminPassword, {}).status, 429);
}

void TestProxy::invalidTrustedProxiesStopTheServer()
{
    ServerProcess server({}, {QStringLiteral("POMELO_SERVER_TRUSTED_PROXIES=127.0.0.1,nginx")});
    QVERIFY(!server.start(30000));
    const QByteArray out = server.output();
    QVERIFY2(out.contains("server.trusted_proxies") && out.contains("nginx"), out.constData());
}

QTEST_GUILESS_MAIN(TestProxy)
#include "test_proxy.moc"
