// Tests of shared/domain/signing.*. Expected signatures were computed independently with the
// openssl 3.0 command line from canonical strings written out by hand; the comment above each
// names the command.

#include "domain/errors.h"
#include "domain/signing.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <functional>
#include <limits>
#include <optional>

using namespace pomelo;
using namespace pomelo::signing;

namespace {

QJsonObject json(const char *text)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(QByteArray(text), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        qFatal("bad JSON in test: %s", text);
    return document.object();
}

const QByteArray TestSecret("s3cr3t-app-secret-0123456789abcdef");
constexpr qint64 FixedNow = 1700000000;

// A cashier request as the booking module signs it; the front end adds `channel` (unsigned).
const char CashierRoute[] =
    R"({"appId":"app_demo","orderId":"1790000000000000001","amount":100,)"
    R"("nonce":"a1b2c3d4e5f6a7b8c9d0e1f2","timestamp":1700000000,)"
    R"("channel":"WECHAT_JSAPI",)"
    R"("sign":"30ca3b5a2a5c8a4ba2d587b46ee256b743a725aa1ef46e79b0af22d94eff92aa"})";
const QStringList CashierUnsigned {QStringLiteral("channel")};
/// The route the cashier object is signed for.
const Target CashierTarget = Target::post(QStringLiteral("/pay/v1/cashier"));
const QString CashierPrefix = QStringLiteral("POST\n/pay/v1/cashier\n");

QJsonObject cashier()
{
    return json(CashierRoute);
}

std::optional<Error> thrown(const std::function<void()> &f)
{
    try {
        f();
    } catch (const Error &e) {
        return e;
    }
    return std::nullopt;
}

} // namespace

class TestSigning : public QObject
{
    Q_OBJECT

private slots:
    void canonicalString_data();
    void canonicalString();
    void signVectors_data();
    void signVectors();
    void signatureBindsItsTarget_data();
    void signatureBindsItsTarget();
    void notificationNeverPassesAsRequest();
    void signEmptySecretThrows();
    void withSignature();
    void verify_data();
    void verify();
    void generateNonce();
    void isValidNonce_data();
    void isValidNonce();
    void isTimestampFresh_data();
    void isTimestampFresh();
    void parseSignedRequestRejects_data();
    void parseSignedRequestRejects();
    void parseSignedRequestAcceptsStringTimestamp();
    void checkSignedRequest_data();
    void checkSignedRequest();
};

void TestSigning::canonicalString_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QStringList>("unsignedKeys");
    QTest::addColumn<QString>("expected");

    const QStringList none;
    QTest::newRow("cashier, sign and channel left out")
        << QByteArray(CashierRoute) << CashierUnsigned
        << QStringLiteral("amount=100&appId=app_demo&nonce=a1b2c3d4e5f6a7b8c9d0e1f2"
                          "&orderId=1790000000000000001&timestamp=1700000000");
    QTest::newRow("channel is signed unless excluded")
        << QByteArray(R"({"b":"2","channel":"ECARD","a":"1"})") << none
        << QStringLiteral("a=1&b=2&channel=ECARD");
    QTest::newRow("sign excluded whatever its type")
        << QByteArray(R"({"a":"1","sign":123})") << none << QStringLiteral("a=1");
    QTest::newRow("empty object") << QByteArray("{}") << none << QString();
    QTest::newRow("only empty values")
        << QByteArray(R"({"a":"","b":null,"c":{},"d":[]})") << none << QString();
    QTest::newRow("empty values skipped")
        << QByteArray(R"({"a":"","b":null,"c":{},"d":[],"e":"x","f":" ","g":"0","h":0,"i":false})")
        << none << QStringLiteral("e=x&f=%20&g=0&h=0&i=false");
    QTest::newRow("integers")
        << QByteArray(R"({"a":100,"b":-5,"c":0,"d":9007199254740992,"e":-9007199254740992})")
        << none << QStringLiteral("a=100&b=-5&c=0&d=9007199254740992&e=-9007199254740992");
    QTest::newRow("integer-valued doubles print as integers")
        << QByteArray(R"({"a":100.0,"b":1e2,"c":1E15,"d":-0.0,"e":2.50e1})") << none
        << QStringLiteral("a=100&b=100&c=1000000000000000&d=0&e=25");
    QTest::newRow("integers beyond 2^53 keep their digits")
        << QByteArray(R"({"a":9007199254740993,"b":-9007199254740993})") << none
        << QStringLiteral("a=9007199254740993&b=-9007199254740993");
    QTest::newRow("fractions and huge numbers")
        << QByteArray(R"({"a":1.5,"b":0.1,"c":-2.25,"d":1e21,"e":1e-7})") << none
        << QStringLiteral("a=1.5&b=0.1&c=-2.25&d=1e%2B21&e=1e-07");
    QTest::newRow("booleans") << QByteArray(R"({"t":true,"f":false})") << none
                              << QStringLiteral("f=false&t=true");
    QTest::newRow("nested object compact, keys sorted")
        << QByteArray(R"({"o":{"z":1,"a":[true,null,"s"],"m":{"y":2.5,"x":{}}}})") << none
        << QStringLiteral("o=%7B%22a%22%3A%5Btrue%2Cnull%2C%22s%22%5D%2C%22m%22%3A%7B%22x%22%3A%7B"
                          "%7D%2C%22y%22%3A2.5%7D%2C%22z%22%3A1%7D"); // {"a":[true,null,"s"],…
    QTest::newRow("array compact")
        << QByteArray(R"({"arr":[1, "two", {"k": "v"}, [], 3.0]})") << none
        << QStringLiteral("arr=%5B1%2C%22two%22%2C%7B%22k%22%3A%22v%22%7D"
                          "%2C%5B%5D%2C3%5D"); // [1,"two",{"k":"v"},[],3]
    QTest::newRow("strings raw at the top, JSON-escaped when nested, then percent-encoded")
        << QByteArray(R"({"s":"a\"b\\c/d\n","o":{"q":"a\"b\\c/d\n"}})") << none
        << QStringLiteral("o=%7B%22q%22%3A%22a%5C%22b%5C%5Cc%2Fd%5Cn%22%7D&s=a%22b%5Cc%2Fd%0A");
    QTest::newRow("unicode values, raw UTF-8 when nested too")
        << QByteArray(R"({"subject":"羽毛球场 1号","o":{"k":"é😀"}})") << none
        << QStringLiteral("o=%7B%22k%22%3A%22%C3%A9%F0%9F%98%80%22%7D"
                          "&subject=%E7%BE%BD%E6%AF%9B%E7%90%83%E5%9C%BA%201%E5%8F%B7");
    QTest::newRow("unicode escapes decoded")
        << QByteArray(R"({"s":"\u7fbd\u00e9"})") << none << QStringLiteral("s=%E7%BE%BD%C3%A9");
    // UTF-8 byte order: Z (5A) < _ (5F) < a (61) < é (C3 A9) < ！ U+FF01 (EF BC 81) < 😀 (F0 9F..).
    // UTF-16 order (QJsonObject's own) would put 😀 (D83D) before ！ (FF01).
    QTest::newRow("keys in UTF-8 byte order")
        << QByteArray(R"({"😀":"5","！":"4","é":"3","a":"2","_":"1","Z":"0"})") << none
        << QStringLiteral("Z=0&_=1&a=2&%C3%A9=3&%EF%BC%81=4&%F0%9F%98%80=5");
    QTest::newRow("upper case before lower case")
        << QByteArray(R"({"b":"1","B":"2","appId":"3","amount":"4"})") << none
        << QStringLiteral("B=2&amount=4&appId=3&b=1");
    QTest::newRow("prefix keys") << QByteArray(R"({"channelTradeNo":"2","channel":"1"})") << none
                                 << QStringLiteral("channel=1&channelTradeNo=2");
    QTest::newRow("several unsigned keys")
        << QByteArray(R"({"a":"1","b":"2","c":"3"})")
        << QStringList {QStringLiteral("a"), QStringLiteral("c")} << QStringLiteral("b=2");
    // Percent-encoding keeps a value from posing as another field: without it both rows below
    // would read `a=1&b=2`.
    QTest::newRow("& and = in a value are encoded")
        << QByteArray(R"({"a":"1&b=2"})") << none << QStringLiteral("a=1%26b%3D2");
    QTest::newRow("two fields") << QByteArray(R"({"a":"1","b":"2"})") << none
                                << QStringLiteral("a=1&b=2");
    // The same for keys (found by tests/fuzz/fuzz_signing): {"a=1&b":"2"} read `a=1&b=2` too.
    QTest::newRow("& and = in a key are encoded")
        << QByteArray(R"({"a=1&b":"2"})") << none << QStringLiteral("a%3D1%26b=2");
    QTest::newRow("unreserved kept, the rest encoded upper-case")
        << QByteArray(R"({"v":"AZaz09-._~ !%+/:?#[]@\u00ff"})") << none
        << QStringLiteral("v=AZaz09-._~%20%21%25%2B%2F%3A%3F%23%5B%5D%40%C3%BF");
}

void TestSigning::canonicalString()
{
    QFETCH(QByteArray, input);
    QFETCH(QStringList, unsignedKeys);
    QFETCH(QString, expected);
    QCOMPARE(signing::canonicalString(CashierTarget, json(input.constData()), unsignedKeys),
             CashierPrefix + expected);
}

void TestSigning::signVectors_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QStringList>("unsignedKeys");
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QString>("expected");

    // clang-format off
    /* printf 'POST\n/pay/v1/cashier\namount=100&appId=app_demo&nonce=a1b2c3d4e5f6a7b8c9d0e1f2&orderId=1790000000000000001&timestamp=1700000000' \
         | openssl dgst -sha256 -hmac 's3cr3t-app-secret-0123456789abcdef' */
    // clang-format on
    const QString cashierSign =
        QStringLiteral("30ca3b5a2a5c8a4ba2d587b46ee256b743a725aa1ef46e79b0af22d94eff92aa");
    const QString post = QStringLiteral("POST");
    const QString cashierPath = QStringLiteral("/pay/v1/cashier");
    QTest::newRow("cashier") << QByteArray(CashierRoute) << post << cashierPath << CashierUnsigned
                             << TestSecret << cashierSign;
    QTest::newRow("cashier, amount written 100.0")
        << QByteArray(R"({"appId":"app_demo","orderId":"1790000000000000001","amount":100.0,)"
                      R"("nonce":"a1b2c3d4e5f6a7b8c9d0e1f2","timestamp":1700000000})")
        << post << cashierPath << QStringList() << TestSecret << cashierSign;
    QTest::newRow("cashier, empty extras")
        << QByteArray(
               R"({"appId":"app_demo","orderId":"1790000000000000001","amount":100,"memo":"",)"
               R"("nonce":"a1b2c3d4e5f6a7b8c9d0e1f2","timestamp":1700000000,"x":null,"y":[]})")
        << post << cashierPath << QStringList() << TestSecret << cashierSign;

    // clang-format off
    /* printf 'POST\n/pay/v1/orders\nappId=app_demo&extra=%%7B%%22a%%22%%3A%%22x%%22%%2C%%22b%%22%%3A%%5B1%%2C2.5%%2Cnull%%5D%%7D&flag=true&nonce=a1b2c3d4e5f6a7b8c9d0e1f2&subject=%%E7%%BE%%BD%%E6%%AF%%9B%%E7%%90%%83%%E5%%9C%%BA%%201%%E5%%8F%%B7&timestamp=1700000000' \
         | openssl dgst -sha256 -hmac 's3cr3t-app-secret-0123456789abcdef' */
    // clang-format on
    QTest::newRow("nested and unicode")
        << QByteArray(
               R"({"appId":"app_demo","subject":"羽毛球场 1号","extra":{"b":[1,2.5,null],"a":"x"},)"
               R"("flag":true,"nonce":"a1b2c3d4e5f6a7b8c9d0e1f2","timestamp":1700000000,)"
               R"("note":"","memo":null})")
        << post << QStringLiteral("/pay/v1/orders") << QStringList() << TestSecret
        << QStringLiteral("d949760bbfcf007f4ce12e2ffe949b30b7bd70d889f128d23a51e507b24bbf4f");

    // clang-format off
    /* printf 'NOTIFY\n\namount=2500&appId=app_demo&channel=WECHAT_JSAPI&channelTradeNo=4200001234202401011234567890&nonce=Zx9_Ab-12cdEFgh34&orderId=1790000000000000001&outTradeNo=B20240101-0001&paidAt=2024-01-01T18%%3A00%%3A05%%2B08%%3A00&status=PAID&subject=%%E7%%BE%%BD%%E6%%AF%%9B%%E7%%90%%83%%20A1%%2018%%3A00-19%%3A00&timestamp=1704103205&updatedAt=2024-01-01T18%%3A00%%3A05%%2B08%%3A00' \
         | openssl dgst -sha256 -hmac 'merchant-secret-✓' */
    // clang-format on
    QTest::newRow("merchant notification, non-ASCII secret") << QByteArray(
        R"({"appId":"app_demo","orderId":"1790000000000000001","outTradeNo":"B20240101-0001",)"
        R"("status":"PAID","amount":2500,"subject":"羽毛球 A1 18:00-19:00",)"
        R"("channel":"WECHAT_JSAPI","channelTradeNo":"4200001234202401011234567890",)"
        R"("paidAt":"2024-01-01T18:00:05+08:00","updatedAt":"2024-01-01T18:00:05+08:00",)"
        R"("nonce":"Zx9_Ab-12cdEFgh34","timestamp":1704103205})")
                                                             << QStringLiteral("NOTIFY")
                                                             << QString() << QStringList()
                                                             << QString::fromUtf8(
                                                                    "merchant-secret-✓")
                                                                    .toUtf8()
                                                             << QStringLiteral(
                                                                    "1bd5a9442cdd7f84d9bbf83d26c6ac"
                                                                    "2f6b767e70e79dd4983f7ee85d0b4a"
                                                                    "cd42");

    // The worked example of docs/signing.md, byte for byte.
    // clang-format off
    /* printf 'POST\n/pay/v1/orders\namount=5000&appId=venue-booking&nonce=f3a9c2e1b7d04a6e9c1b2d3e4f5a6b7c&notifyUrl=https%%3A%%2F%%2Fbooking.example.edu.cn%%2Fapi%%2Fv1%%2Fpay-notify&openId=o-alice&outTradeNo=388067590000000001&studentId=B22040101&subject=%%E7%%BE%%BD%%E6%%AF%%9B%%E7%%90%%83%%E9%%A6%%86%%201%%E5%%8F%%B7%%E5%%9C%%BA%%202026-12-08%%2009%%3A00-11%%3A00&timestamp=1765000000' \
         | openssl dgst -sha256 -hmac 'demo-secret-change-me' */
    // clang-format on
    QTest::newRow("docs/signing.md")
        << QByteArray(R"({"appId":"venue-booking","outTradeNo":"388067590000000001",)"
                      R"("amount":5000,"subject":"羽毛球馆 1号场 2026-12-08 09:00-11:00",)"
                      R"("openId":"o-alice","studentId":"B22040101",)"
                      R"("notifyUrl":"https://booking.example.edu.cn/api/v1/pay-notify",)"
                      R"("nonce":"f3a9c2e1b7d04a6e9c1b2d3e4f5a6b7c","timestamp":1765000000})")
        << post << QStringLiteral("/pay/v1/orders") << QStringList()
        << QByteArray("demo-secret-change-me")
        << QStringLiteral("00d659a4fe473379b226cb66dc93a91f31352761595fb98b5c9b50acbc4f1e71");
}

void TestSigning::signVectors()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, method);
    QFETCH(QString, path);
    QFETCH(QStringList, unsignedKeys);
    QFETCH(QByteArray, secret);
    QFETCH(QString, expected);
    const Target target {method, path};
    QJsonObject object = json(input.constData());
    QCOMPARE(sign(target, object, secret, unsignedKeys), expected);
    object.insert(QStringLiteral("sign"), expected);
    QVERIFY(signing::verify(target, object, secret, unsignedKeys));
}

void TestSigning::signatureBindsItsTarget_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("path");
    QTest::newRow("another route")
        << QStringLiteral("POST") << QStringLiteral("/pay/v1/orders/1790000000000000001/close");
    QTest::newRow("another method") << QStringLiteral("GET") << QStringLiteral("/pay/v1/cashier");
    QTest::newRow("lower-case method")
        << QStringLiteral("post") << QStringLiteral("/pay/v1/cashier");
    QTest::newRow("trailing slash") << QStringLiteral("POST") << QStringLiteral("/pay/v1/cashier/");
    QTest::newRow("as a notification") << QStringLiteral("NOTIFY") << QString();
    QTest::newRow("no target") << QString() << QString();
}

void TestSigning::signatureBindsItsTarget()
{
    QFETCH(QString, method);
    QFETCH(QString, path);
    const QJsonObject good = cashier();
    QVERIFY(signing::verify(CashierTarget, good, TestSecret, CashierUnsigned));
    QVERIFY(!signing::verify(Target {method, path}, good, TestSecret, CashierUnsigned));
    const auto error = thrown([&] {
        signing::checkSignedRequest({method, path}, good, TestSecret, FixedNow, CashierUnsigned);
    });
    QVERIFY(error);
    QCOMPARE(error->code(), ErrorCode::InvalidSignature);
}

void TestSigning::notificationNeverPassesAsRequest()
{
    const QJsonObject fields {{QStringLiteral("appId"), QStringLiteral("app_demo")},
                              {QStringLiteral("orderId"), QStringLiteral("1790000000000000001")},
                              {QStringLiteral("status"), QStringLiteral("PAID")},
                              {QStringLiteral("nonce"), QStringLiteral("a1b2c3d4e5f6a7b8c9d0e1f2")},
                              {QStringLiteral("timestamp"), FixedNow}};
    const QJsonObject notification = signing::withSignature(Target::notify(), fields, TestSecret);
    QVERIFY(signing::verify(Target::notify(), notification, TestSecret));
    for (const QString &path : {QStringLiteral("/api/v1/pay-notify"), QString()}) {
        QVERIFY(!signing::verify(Target::post(path), notification, TestSecret));
        QVERIFY(!signing::verify(Target::get(path), notification, TestSecret));
    }
    const QJsonObject request = signing::withSignature(
        Target::post(QStringLiteral("/api/v1/pay-notify")), fields, TestSecret);
    QVERIFY(!signing::verify(Target::notify(), request, TestSecret));
}

void TestSigning::signEmptySecretThrows()
{
    const auto error = thrown([] { sign(CashierTarget, cashier(), QByteArray()); });
    QVERIFY(error);
    QCOMPARE(error->code(), ErrorCode::Internal);
}

void TestSigning::withSignature()
{
    QJsonObject object = cashier();
    object.insert(QStringLiteral("sign"), QStringLiteral("stale"));
    const QJsonObject signedObject =
        signing::withSignature(CashierTarget, object, TestSecret, CashierUnsigned);
    QCOMPARE(signedObject.value(QStringLiteral("sign")).toString(),
             cashier().value(QStringLiteral("sign")).toString());
    QCOMPARE(signedObject.size(), object.size());
    QVERIFY(signing::verify(CashierTarget, signedObject, TestSecret, CashierUnsigned));
}

void TestSigning::verify_data()
{
    QTest::addColumn<QJsonObject>("object");
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QStringList>("unsignedKeys");
    QTest::addColumn<bool>("valid");

    const QJsonObject good = cashier();
    const QString goodSign = good.value(QStringLiteral("sign")).toString();
    const auto with = [&](const char *key, const QJsonValue &value) {
        QJsonObject o = good;
        o.insert(QLatin1String(key), value);
        return o;
    };
    const auto without = [&](const char *key) {
        QJsonObject o = good;
        o.remove(QLatin1String(key));
        return o;
    };

    QTest::newRow("valid") << good << TestSecret << CashierUnsigned << true;
    QTest::newRow("other channel, still valid")
        << with("channel", QStringLiteral("ECARD")) << TestSecret << CashierUnsigned << true;
    QTest::newRow("empty extra fields do not count")
        << with("memo", QString()) << TestSecret << CashierUnsigned << true;
    QTest::newRow("channel signed when not excluded")
        << good << TestSecret << QStringList() << false;
    QTest::newRow("tampered amount") << with("amount", 1) << TestSecret << CashierUnsigned << false;
    QTest::newRow("amount as a string") << with("amount", QStringLiteral("100")) << TestSecret
                                        << CashierUnsigned << true; // same canonical text
    QTest::newRow("tampered orderId") << with("orderId", QStringLiteral("1790000000000000002"))
                                      << TestSecret << CashierUnsigned << false;
    QTest::newRow("tampered nonce") << with("nonce", QStringLiteral("a1b2c3d4e5f6a7b8c9d0e1f3"))
                                    << TestSecret << CashierUnsigned << false;
    QTest::newRow("tampered timestamp")
        << with("timestamp", 1700000001) << TestSecret << CashierUnsigned << false;
    QTest::newRow("added field") << with("studentId", QStringLiteral("2021001")) << TestSecret
                                 << CashierUnsigned << false;
    QTest::newRow("removed field") << without("orderId") << TestSecret << CashierUnsigned << false;
    QTest::newRow("wrong secret") << good << QByteArray("s3cr3t-app-secret-0123456789abcdeF")
                                  << CashierUnsigned << false;
    QTest::newRow("empty secret") << good << QByteArray() << CashierUnsigned << false;
    QTest::newRow("upper-case hex")
        << with("sign", goodSign.toUpper()) << TestSecret << CashierUnsigned << false;
    QTest::newRow("63 chars") << with("sign", goodSign.left(63)) << TestSecret << CashierUnsigned
                              << false;
    QTest::newRow("65 chars") << with("sign", QString(goodSign + QLatin1Char('0'))) << TestSecret
                              << CashierUnsigned << false;
    QTest::newRow("short sign") << with("sign", QStringLiteral("30ca3b5a")) << TestSecret
                                << CashierUnsigned << false;
    QTest::newRow("empty sign") << with("sign", QString()) << TestSecret << CashierUnsigned
                                << false;
    QTest::newRow("whitespace around sign")
        << with("sign", QString(QLatin1Char(' ') + goodSign.left(63))) << TestSecret
        << CashierUnsigned << false;
    QTest::newRow("non-hex char") << with("sign", QString(goodSign.left(63) + QLatin1Char('g')))
                                  << TestSecret << CashierUnsigned << false;
    QTest::newRow("last char differs") << with(
        "sign",
        QString(goodSign.left(63) + QLatin1Char(goodSign.endsWith(QLatin1Char('a')) ? 'b' : 'a')))
                                       << TestSecret << CashierUnsigned << false;
    QTest::newRow("base64 of the MAC")
        << with("sign", QString::fromLatin1(QByteArray::fromHex(goodSign.toLatin1()).toBase64()))
        << TestSecret << CashierUnsigned << false;
    QTest::newRow("number sign") << with("sign", 12345) << TestSecret << CashierUnsigned << false;
    QTest::newRow("array sign") << with("sign", QJsonArray {goodSign}) << TestSecret
                                << CashierUnsigned << false;
    QTest::newRow("null sign") << with("sign", QJsonValue()) << TestSecret << CashierUnsigned
                               << false;
    QTest::newRow("missing sign") << without("sign") << TestSecret << CashierUnsigned << false;
}

void TestSigning::verify()
{
    QFETCH(QJsonObject, object);
    QFETCH(QByteArray, secret);
    QFETCH(QStringList, unsignedKeys);
    QFETCH(bool, valid);
    QCOMPARE(signing::verify(CashierTarget, object, secret, unsignedKeys), valid);
}

void TestSigning::generateNonce()
{
    QSet<QString> seen;
    for (int i = 0; i < 1000; ++i) {
        const QString nonce = signing::generateNonce();
        QVERIFY2(signing::isValidNonce(nonce), qPrintable(nonce));
        QCOMPARE(nonce.size(), 32);
        seen.insert(nonce);
    }
    QCOMPARE(seen.size(), 1000);
}

void TestSigning::isValidNonce_data()
{
    QTest::addColumn<QString>("nonce");
    QTest::addColumn<bool>("valid");
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("15 chars") << QString(15, QLatin1Char('a')) << false;
    QTest::newRow("16 chars") << QString(16, QLatin1Char('a')) << true;
    QTest::newRow("24 chars") << QStringLiteral("a1b2c3d4e5f6a7b8c9d0e1f2") << true;
    QTest::newRow("32 chars") << QString(32, QLatin1Char('Z')) << true;
    QTest::newRow("33 chars") << QString(33, QLatin1Char('Z')) << false;
    QTest::newRow("underscore and dash") << QStringLiteral("Zx9_Ab-12cdEFgh34") << true;
    QTest::newRow("plus") << QStringLiteral("Zx9+Ab-12cdEFgh34") << false;
    QTest::newRow("slash") << QStringLiteral("Zx9/Ab-12cdEFgh34") << false;
    QTest::newRow("space") << QStringLiteral("Zx9 Ab-12cdEFgh34") << false;
    QTest::newRow("ampersand") << QStringLiteral("Zx9&Ab=12cdEFgh34") << false;
    QTest::newRow("non-ASCII letter") << QString::fromUtf8("Zx9éAb-12cdEFgh34") << false;
    QTest::newRow("fullwidth digit") << QString::fromUtf8("Zx9１Ab-12cdEFgh34") << false;
}

void TestSigning::isValidNonce()
{
    QFETCH(QString, nonce);
    QFETCH(bool, valid);
    QCOMPARE(signing::isValidNonce(nonce), valid);
}

void TestSigning::isTimestampFresh_data()
{
    QTest::addColumn<qint64>("timestamp");
    QTest::addColumn<qint64>("now");
    QTest::addColumn<int>("window");
    QTest::addColumn<bool>("fresh");
    constexpr qint64 min = std::numeric_limits<qint64>::min();
    constexpr qint64 max = std::numeric_limits<qint64>::max();
    QTest::newRow("now") << FixedNow << FixedNow << 300 << true;
    QTest::newRow("-300") << FixedNow - 300 << FixedNow << 300 << true;
    QTest::newRow("+300") << FixedNow + 300 << FixedNow << 300 << true;
    QTest::newRow("-301") << FixedNow - 301 << FixedNow << 300 << false;
    QTest::newRow("+301") << FixedNow + 301 << FixedNow << 300 << false;
    QTest::newRow("milliseconds by mistake") << FixedNow * 1000 << FixedNow << 300 << false;
    QTest::newRow("zero") << qint64(0) << FixedNow << 300 << false;
    QTest::newRow("window 0, equal") << FixedNow << FixedNow << 0 << true;
    QTest::newRow("window 0, +1") << FixedNow + 1 << FixedNow << 0 << false;
    QTest::newRow("negative window") << FixedNow << FixedNow << -1 << false;
    QTest::newRow("min vs max") << min << max << 300 << false;
    QTest::newRow("max vs min") << max << min << 300 << false;
    QTest::newRow("min vs min") << min << min << 300 << true;
    QTest::newRow("max window") << min << max << std::numeric_limits<int>::max() << false;
}

void TestSigning::isTimestampFresh()
{
    QFETCH(qint64, timestamp);
    QFETCH(qint64, now);
    QFETCH(int, window);
    QFETCH(bool, fresh);
    QCOMPARE(signing::isTimestampFresh(timestamp, now, window), fresh);
}

void TestSigning::parseSignedRequestRejects_data()
{
    QTest::addColumn<QJsonObject>("object");
    const QJsonObject good = cashier();
    const auto with = [&](const char *key, const QJsonValue &value) {
        QJsonObject o = good;
        o.insert(QLatin1String(key), value);
        return o;
    };
    const auto without = [&](const char *key) {
        QJsonObject o = good;
        o.remove(QLatin1String(key));
        return o;
    };
    QTest::newRow("no appId") << without("appId");
    QTest::newRow("empty appId") << with("appId", QString());
    QTest::newRow("numeric appId") << with("appId", 42);
    QTest::newRow("no nonce") << without("nonce");
    QTest::newRow("numeric nonce") << with("nonce", 1234567890123456.0);
    QTest::newRow("short nonce") << with("nonce", QStringLiteral("abc"));
    QTest::newRow("nonce with space") << with("nonce", QStringLiteral("a1b2c3d4 5f6a7b8c9d0e1f2"));
    QTest::newRow("no timestamp") << without("timestamp");
    QTest::newRow("null timestamp") << with("timestamp", QJsonValue());
    QTest::newRow("fractional timestamp") << with("timestamp", 1700000000.5);
    QTest::newRow("negative timestamp") << with("timestamp", -1);
    QTest::newRow("boolean timestamp") << with("timestamp", true);
    QTest::newRow("timestamp text with letters") << with("timestamp", QStringLiteral("17e8"));
    QTest::newRow("timestamp text signed") << with("timestamp", QStringLiteral("-1700000000"));
    QTest::newRow("timestamp text with space") << with("timestamp", QStringLiteral(" 1700000000"));
    QTest::newRow("empty timestamp text") << with("timestamp", QString());
    QTest::newRow("huge timestamp") << with("timestamp", 1e300);
    QTest::newRow("no sign") << without("sign");
    QTest::newRow("numeric sign") << with("sign", 1);
    QTest::newRow("object sign") << with("sign", QJsonObject {{QStringLiteral("v"), 1}});
}

void TestSigning::parseSignedRequestRejects()
{
    QFETCH(QJsonObject, object);
    const auto parseError = thrown([&] { parseSignedRequest(object); });
    QVERIFY(parseError);
    QCOMPARE(parseError->code(), ErrorCode::InvalidSignature);
    const auto checkError = thrown([&] {
        signing::checkSignedRequest(CashierTarget, object, TestSecret, FixedNow, CashierUnsigned);
    });
    QVERIFY(checkError);
    QCOMPARE(checkError->code(), ErrorCode::InvalidSignature);
}

void TestSigning::parseSignedRequestAcceptsStringTimestamp()
{
    // A GET carries the envelope in the query string, where every value is text.
    QJsonObject object = cashier();
    object.insert(QStringLiteral("timestamp"), QStringLiteral("1700000000"));
    const SignedRequest request = parseSignedRequest(object);
    QCOMPARE(request.appId, QStringLiteral("app_demo"));
    QCOMPARE(request.nonce, QStringLiteral("a1b2c3d4e5f6a7b8c9d0e1f2"));
    QCOMPARE(request.timestamp, FixedNow);
    QCOMPARE(request.sign, cashier().value(QStringLiteral("sign")).toString());
    // The canonical text is the same, so the signature still holds.
    QCOMPARE(
        signing::checkSignedRequest(CashierTarget, object, TestSecret, FixedNow, CashierUnsigned)
            .timestamp,
        FixedNow);
}

void TestSigning::checkSignedRequest_data()
{
    QTest::addColumn<QJsonObject>("object");
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<qint64>("now");
    QTest::addColumn<int>("expectedCode"); // 0: accepted

    const QJsonObject good = cashier();
    QJsonObject tampered = good;
    tampered.insert(QStringLiteral("amount"), 1);
    const auto resigned = [&](qint64 timestamp) {
        QJsonObject o = good;
        o.insert(QStringLiteral("timestamp"), timestamp);
        return signing::withSignature(CashierTarget, o, TestSecret, CashierUnsigned);
    };
    const int invalid = int(ErrorCode::InvalidSignature);
    const int expired = int(ErrorCode::RequestExpiredOrReplayed);

    QTest::newRow("valid") << good << TestSecret << FixedNow << 0;
    QTest::newRow("now - 300") << good << TestSecret << FixedNow + 300 << 0;
    QTest::newRow("now + 300") << good << TestSecret << FixedNow - 300 << 0;
    QTest::newRow("now - 301") << good << TestSecret << FixedNow + 301 << expired;
    QTest::newRow("now + 301") << good << TestSecret << FixedNow - 301 << expired;
    QTest::newRow("replayed next day") << good << TestSecret << FixedNow + 86400 << expired;
    QTest::newRow("re-signed with a fresh timestamp")
        << resigned(FixedNow + 86400) << TestSecret << FixedNow + 86400 << 0;
    QTest::newRow("tampered") << tampered << TestSecret << FixedNow << invalid;
    QTest::newRow("wrong secret") << good << QByteArray("other") << FixedNow << invalid;
    QTest::newRow("empty secret") << good << QByteArray() << FixedNow << invalid;
    // The signature is checked before the clock: a forgery learns nothing about the window.
    QTest::newRow("tampered and stale") << tampered << TestSecret << FixedNow + 1000 << invalid;
}

void TestSigning::checkSignedRequest()
{
    QFETCH(QJsonObject, object);
    QFETCH(QByteArray, secret);
    QFETCH(qint64, now);
    QFETCH(int, expectedCode);
    std::optional<SignedRequest> request;
    const auto error = thrown([&] {
        request = signing::checkSignedRequest(CashierTarget, object, secret, now, CashierUnsigned);
    });
    if (expectedCode == 0) {
        QVERIFY2(!error, error ? qPrintable(error->detail()) : "");
        QVERIFY(request);
        QCOMPARE(request->appId, QStringLiteral("app_demo"));
        QCOMPARE(request->nonce, object.value(QStringLiteral("nonce")).toString());
        QCOMPARE(request->timestamp, object.value(QStringLiteral("timestamp")).toInteger());
        return;
    }
    QVERIFY(error);
    QCOMPARE(int(error->code()), expectedCode);
    // The detail is logged: it names the app but never a secret or a signature.
    QVERIFY(error->detail().contains(QLatin1String("app_demo")));
    if (!secret.isEmpty())
        QVERIFY(!error->detail().contains(QString::fromUtf8(secret)));
    QVERIFY(!error->detail().contains(object.value(QStringLiteral("sign")).toString()));
    QVERIFY(!QString::fromUtf8(error->what()).contains(QString::fromUtf8(TestSecret)));
}

QTEST_GUILESS_MAIN(TestSigning)
#include "test_signing.moc"
