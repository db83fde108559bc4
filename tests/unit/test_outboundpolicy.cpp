// Tests server/http/outboundpolicy.*: which addresses a merchant notification may reach, and the
// static URL rules (listed host and port, IP literals, schemes) — a row per SSRF target.
#include "net/outboundpolicy.h"

#include <QTest>

using namespace pomelo;

Q_DECLARE_METATYPE(AddressClass)

class TestOutboundPolicy : public QObject
{
    Q_OBJECT

private slots:
    void classify_data();
    void classify();
    void allows_data();
    void allows();
    void checkUrl_data();
    void checkUrl();
    void resolvePinsAnAllowedAddress();
};

void TestOutboundPolicy::classify_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<AddressClass>("expected");
    const auto row = [](const char *a, AddressClass c) {
        QTest::newRow(a) << QString::fromLatin1(a) << c;
    };
    row("8.8.8.8", AddressClass::Public);
    row("202.112.0.1", AddressClass::Public);
    row("127.0.0.1", AddressClass::Loopback);
    row("127.255.255.254", AddressClass::Loopback);
    row("0.0.0.0", AddressClass::Unspecified);
    row("0.1.2.3", AddressClass::Unspecified);
    row("169.254.169.254", AddressClass::LinkLocal);
    row("10.0.0.5", AddressClass::Private);
    row("172.16.0.1", AddressClass::Private);
    row("172.31.255.255", AddressClass::Private);
    row("172.32.0.1", AddressClass::Public);
    row("192.168.1.1", AddressClass::Private);
    row("100.64.0.1", AddressClass::Private);
    row("224.0.0.1", AddressClass::Multicast);
    row("255.255.255.255", AddressClass::Reserved);
    row("240.0.0.1", AddressClass::Reserved);
    row("192.0.2.1", AddressClass::Reserved);
    row("198.18.0.1", AddressClass::Reserved);
    row("::1", AddressClass::Loopback);
    row("::", AddressClass::Unspecified);
    row("fe80::1", AddressClass::LinkLocal);
    row("fd00::1", AddressClass::Private);
    row("fc00::1", AddressClass::Private);
    row("ff02::1", AddressClass::Multicast);
    row("::ffff:127.0.0.1", AddressClass::Loopback);
    row("::ffff:169.254.169.254", AddressClass::LinkLocal);
    row("::ffff:8.8.8.8", AddressClass::Public);
    row("::127.0.0.1", AddressClass::Reserved); // IPv4-compatible: deprecated, never a target
    row("64:ff9b::a9fe:a9fe", AddressClass::LinkLocal); // NAT64 of 169.254.169.254
    row("2001:db8::1", AddressClass::Reserved);
    row("2400:da00::6666", AddressClass::Public);
}

void TestOutboundPolicy::classify()
{
    QFETCH(QString, address);
    QFETCH(AddressClass, expected);
    QCOMPARE(classifyAddress(QHostAddress(address)), expected);
}

void TestOutboundPolicy::allows_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("internal");
    QTest::addColumn<bool>("loopback");
    QTest::addColumn<bool>("allowed");
    QTest::newRow("public, external app") << "8.8.8.8" << false << false << true;
    QTest::newRow("private, external app") << "10.1.2.3" << false << false << false;
    QTest::newRow("private, internal app") << "10.1.2.3" << true << false << true;
    QTest::newRow("ULA, internal app") << "fd12::1" << true << false << true;
    QTest::newRow("loopback, internal app in production") << "127.0.0.1" << true << false << false;
    QTest::newRow("loopback, internal app in development") << "127.0.0.1" << true << true << true;
    QTest::newRow("loopback, external app even with the flag")
        << "127.0.0.1" << false << true << false;
    QTest::newRow("metadata, internal app in development")
        << "169.254.169.254" << true << true << false;
    QTest::newRow("unspecified, internal app in development") << "0.0.0.0" << true << true << false;
    QTest::newRow("multicast, internal app") << "239.1.1.1" << true << true << false;
}

void TestOutboundPolicy::allows()
{
    QFETCH(QString, address);
    QFETCH(bool, internal);
    QFETCH(bool, loopback);
    QFETCH(bool, allowed);
    const OutboundPolicy policy {{}, internal, loopback};
    QCOMPARE(policy.allows(QHostAddress(address)), allowed);
}

void TestOutboundPolicy::checkUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QStringList>("hosts");
    QTest::addColumn<bool>("internal");
    QTest::addColumn<QString>("refusal"); // empty: accepted; else a word of the reason
    const QStringList shop {QStringLiteral("shop.example.com")};
    QTest::newRow("https, listed") << "https://shop.example.com/notify" << shop << false << "";
    QTest::newRow("http, port 80") << "http://shop.example.com:80/n" << shop << false << "";
    QTest::newRow("upper-case host") << "https://SHOP.example.com/n" << shop << false << "";
    QTest::newRow("other port") << "https://shop.example.com:8443/n" << shop << false << "host";
    QTest::newRow("other port, listed with it")
        << "https://shop.example.com:8443/n"
        << QStringList {QStringLiteral("shop.example.com:8443")} << false << "";
    QTest::newRow("listed port only")
        << "https://shop.example.com/n" << QStringList {QStringLiteral("shop.example.com:8443")}
        << false << "host";
    QTest::newRow("other port, internal app")
        << "http://shop.example.com:9090/n" << shop << true << "";
    QTest::newRow("not listed") << "https://evil.example.com/n" << shop << false << "host";
    QTest::newRow("suffix of a listed host")
        << "https://shop.example.com.evil.net/n" << shop << false << "host";
    QTest::newRow("ftp") << "ftp://shop.example.com/n" << shop << false << "http";
    QTest::newRow("file") << "file:///etc/passwd" << shop << false << "URL";
    QTest::newRow("user info") << "https://a:b@shop.example.com/n" << shop << false << "user";
    QTest::newRow("loopback literal, listed")
        << "http://127.0.0.1/n" << QStringList {QStringLiteral("127.0.0.1")} << false << "IP";
    QTest::newRow("metadata literal, listed")
        << "http://169.254.169.254/latest" << QStringList {QStringLiteral("169.254.169.254")}
        << false << "IP";
    QTest::newRow("metadata literal, internal app")
        << "http://169.254.169.254/latest" << QStringList {QStringLiteral("169.254.169.254")}
        << true << "link-local";
    QTest::newRow("private literal, internal app")
        << "http://10.0.0.5/n" << QStringList {QStringLiteral("10.0.0.5")} << true << "";
    QTest::newRow("private literal, external app")
        << "http://10.0.0.5/n" << QStringList {QStringLiteral("10.0.0.5")} << false << "IP";
    // QUrl reads the decimal form as 127.0.0.1: the same rules apply to it.
    QTest::newRow("decimal loopback")
        << "http://2130706433/n" << QStringList {QStringLiteral("127.0.0.1")} << true << "loopback";
}

void TestOutboundPolicy::checkUrl()
{
    QFETCH(QString, url);
    QFETCH(QStringList, hosts);
    QFETCH(bool, internal);
    QFETCH(QString, refusal);
    const OutboundPolicy policy {hosts, internal, false};
    const QString why = policy.checkUrl(QUrl(url));
    if (refusal.isEmpty())
        QVERIFY2(why.isEmpty(), qPrintable(why));
    else
        QVERIFY2(why.contains(refusal), qPrintable(why));
}

void TestOutboundPolicy::resolvePinsAnAllowedAddress()
{
    // "localhost" is a name that resolves to loopback: refused unless allowed, with the reason.
    const QUrl url(QStringLiteral("http://localhost:8080/n"));
    QString why;
    bool unresolved = true;
    const OutboundPolicy production {{}, true, false};
    QVERIFY(!production.resolve(url, &why, &unresolved));
    QVERIFY(!unresolved);
    QVERIFY2(why.contains(QLatin1String("loopback")), qPrintable(why));
    const OutboundPolicy development {{}, true, true};
    const auto pinned = development.resolve(url, &why);
    QVERIFY(pinned);
    QVERIFY(pinned->isLoopback());
    // A name that does not resolve says so (delivery retries later).
    const OutboundPolicy external;
    QVERIFY(
        !external.resolve(QUrl(QStringLiteral("http://no-such-host.invalid/")), &why, &unresolved));
    QVERIFY(unresolved);
}

QTEST_GUILESS_MAIN(TestOutboundPolicy)
#include "test_outboundpolicy.moc"
