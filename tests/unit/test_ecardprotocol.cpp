// The e-card message signature (docs/ecard-protocol.md): canonical string, HMAC vectors computed
// outside Qt, and what verification refuses.
#include "channels/ecardprotocol.h"
#include "domain/errors.h"

#include <QJsonDocument>
#include <QTest>

#include <optional>

using namespace pomelo;
using namespace pomelo::ecard;

Q_DECLARE_METATYPE(pomelo::ecard::Verdict)

namespace {

QJsonObject json(const char *text)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(text), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        qFatal("bad test JSON: %s", text);
    return doc.object();
}

const char *const CreateRequest =
    R"({"partner_id":"pomelo-sandbox-partner","timestamp":1700000000,)"
    R"("nonce_str":"0123456789abcdef0123456789abcdef","out_trade_no":"1790000000000000001",)"
    R"("student_no":"B21040101","amount":2000,"subject":"Badminton court A 18:00-19:00",)"
    R"("notify_url":"http://127.0.0.1:8080/pay/v1/notify/ecard","expire_time":1700000900})";
const char *const ChineseRequest =
    R"({"partner_id":"p1","timestamp":1700000123,"nonce_str":"ABCDEFGHIJKLMNOP",)"
    R"("subject":"羽毛球&场=A 18:00","attach":"a~b_c.d-e","refund_amount":1,"sign":"ignored"})";
const char *const SampleAnswer =
    R"({"retcode":"0000","retmsg":"成功","partner_id":"pomelo-sandbox-partner",)"
    R"("timestamp":1700000001,"nonce_str":"ffffffffffffffff","trade_state":"NOTPAY",)"
    R"("err_code":"","attach":null,"amount":-5})";

constexpr qint64 FixedNow = 1700000000;
const QByteArray TestKey = QByteArrayLiteral("sandbox-ecard-partner-key");
const QString Partner = QStringLiteral("pomelo-sandbox-partner");

} // namespace

class TestEcardProtocol : public QObject
{
    Q_OBJECT

private slots:
    void canonicalString_data();
    void canonicalString();
    void unsignable_data();
    void unsignable();
    void signVectors_data();
    void signVectors();
    void signRefusesEmptyKeyAndUnsignable();
    void verify_data();
    void verify();
    void stampedEnvelopeVerifies();
    void verdictRetcodes();
    void retmsgTable();
    void stateNamesRoundTrip();
    void integerField_data();
    void integerField();
    void forLogDropsSign();
};

void TestEcardProtocol::canonicalString_data()
{
    QTest::addColumn<QJsonObject>("message");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("create request: sorted, URL percent-encoded")
        << json(CreateRequest)
        << QByteArray(
               "amount=2000&expire_time=1700000900&nonce_str=0123456789abcdef0123456789abcdef"
               "&notify_url=http%3A%2F%2F127.0.0.1%3A8080%2Fpay%2Fv1%2Fnotify%2Fecard"
               "&out_trade_no=1790000000000000001&partner_id=pomelo-sandbox-partner"
               "&student_no=B21040101&subject=Badminton%20court%20A%2018%3A00-19%3A00"
               "&timestamp=1700000000");
    // '&' and '=' inside a value are encoded, so they cannot forge a field boundary; the
    // unreserved "-._~" stay; sign is never part of the string.
    QTest::newRow("UTF-8, reserved characters, sign excluded")
        << json(ChineseRequest)
        << QByteArray("attach=a~b_c.d-e&nonce_str=ABCDEFGHIJKLMNOP&partner_id=p1&refund_amount=1"
                      "&subject=%E7%BE%BD%E6%AF%9B%E7%90%83%26%E5%9C%BA%3DA%2018%3A00"
                      "&timestamp=1700000123");
    QTest::newRow("empty string and null skipped, negative integer")
        << json(SampleAnswer)
        << QByteArray("amount=-5&nonce_str=ffffffffffffffff&partner_id=pomelo-sandbox-partner"
                      "&retcode=0000&retmsg=%E6%88%90%E5%8A%9F&timestamp=1700000001"
                      "&trade_state=NOTPAY");
    QTest::newRow("integer-valued number written as an integer")
        << json(R"({"amount":100.0,"b":"x"})") << QByteArray("amount=100&b=x");
    QTest::newRow("2^53 still exact")
        << json(R"({"n":9007199254740992})") << QByteArray("n=9007199254740992");
    QTest::newRow("only empty fields") << json(R"({"a":"","sign":"x"})") << QByteArray("");
}

void TestEcardProtocol::canonicalString()
{
    QFETCH(QJsonObject, message);
    QFETCH(QByteArray, expected);
    const auto canonical = ecard::canonicalString(message);
    QVERIFY(canonical.has_value());
    QCOMPARE(*canonical, expected);
}

void TestEcardProtocol::unsignable_data()
{
    QTest::addColumn<QJsonObject>("message");
    QTest::newRow("fraction") << json(R"({"amount":1.5})");
    QTest::newRow("beyond 2^53") << json(R"({"amount":1e300})");
    QTest::newRow("boolean") << json(R"({"flag":true})");
    QTest::newRow("object") << json(R"({"o":{"a":1}})");
    QTest::newRow("empty object") << json(R"({"o":{}})");
    QTest::newRow("array") << json(R"({"a":[1]})");
    QTest::newRow("upper-case key") << json(R"({"Amount":1})");
    QTest::newRow("key with a dash") << json(R"({"out-trade-no":"1"})");
    QTest::newRow("key too long") << json(R"({"k23456789012345678901234567890123":"1"})");
}

void TestEcardProtocol::unsignable()
{
    QFETCH(QJsonObject, message);
    QVERIFY(!ecard::canonicalString(message).has_value());
    QVERIFY(!verifySignature(message, TestKey));
}

void TestEcardProtocol::signVectors_data()
{
    QTest::addColumn<QJsonObject>("message");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QString>("expected");

    // Computed outside Qt from the canonical strings above, e.g.
    //   printf '%s' 'amount=2000&expire_time=…&timestamp=1700000000' |
    //     openssl dgst -sha256 -hmac 'sandbox-ecard-partner-key'
    QTest::newRow("create request")
        << json(CreateRequest) << TestKey
        << QStringLiteral("284d40166509b9466726d5eab33beb638e3cf25a8fef08d53c8100a0b3fd8004");
    QTest::newRow("UTF-8 subject, key k2")
        << json(ChineseRequest) << QByteArray("k2")
        << QStringLiteral("8716cf3628f0367c32d797fb9509adb9334a1a5fdd9fbc8616fb5a5da1eb8853");
    QTest::newRow("answer")
        << json(SampleAnswer) << TestKey
        << QStringLiteral("2e50fd1e1288e0fa827c8c260a3a191507d275bb2dcfab600d5d58a9e62a58fc");
}

void TestEcardProtocol::signVectors()
{
    QFETCH(QJsonObject, message);
    QFETCH(QByteArray, key);
    QFETCH(QString, expected);
    QCOMPARE(sign(message, key), expected);
    const QJsonObject signed_ = withSignature(message, key);
    QCOMPARE(signed_.value(field::sign).toString(), expected);
    QVERIFY(verifySignature(signed_, key));
    QVERIFY(!verifySignature(signed_, key + 'x'));
}

void TestEcardProtocol::signRefusesEmptyKeyAndUnsignable()
{
    QVERIFY_THROWS_EXCEPTION(Error, sign(json(CreateRequest), QByteArray()));
    QVERIFY_THROWS_EXCEPTION(Error, sign(json(R"({"amount":1.5})"), TestKey));
    QVERIFY(!verifySignature(withSignature(json(CreateRequest), TestKey), QByteArray()));
}

void TestEcardProtocol::verify_data()
{
    QTest::addColumn<QJsonObject>("beforeSigning"); // fields set, then signed with signingKey
    QTest::addColumn<QByteArray>("signingKey");
    QTest::addColumn<QJsonObject>("afterSigning"); // fields changed after signing (tampering)
    QTest::addColumn<QStringList>("removedAfterSigning");
    QTest::addColumn<Verdict>("expected");

    const QJsonObject none;
    QTest::newRow("valid") << none << TestKey << none << QStringList() << Verdict::Ok;
    QTest::newRow("amount tampered")
        << none << TestKey << json(R"({"amount":1})") << QStringList() << Verdict::BadSignature;
    QTest::newRow("out_trade_no tampered")
        << none << TestKey << json(R"({"out_trade_no":"1790000000000000002"})") << QStringList()
        << Verdict::BadSignature;
    QTest::newRow("student_no tampered") << none << TestKey << json(R"({"student_no":"B21040102"})")
                                         << QStringList() << Verdict::BadSignature;
    QTest::newRow("notify_url tampered")
        << none << TestKey << json(R"({"notify_url":"http://evil.example/n"})") << QStringList()
        << Verdict::BadSignature;
    QTest::newRow("field added") << none << TestKey << json(R"({"attach":"x"})") << QStringList()
                                 << Verdict::BadSignature;
    QTest::newRow("field removed")
        << none << TestKey << none << QStringList {QStringLiteral("subject")}
        << Verdict::BadSignature;
    QTest::newRow("wrong key") << none << QByteArray("another-key") << none << QStringList()
                               << Verdict::BadSignature;
    QTest::newRow("sign upper-case")
        << none << TestKey << json(R"({"sign":"UPPER"})") << QStringList() << Verdict::BadSignature;
    QTest::newRow("sign missing") << none << TestKey << none << QStringList {QStringLiteral("sign")}
                                  << Verdict::Malformed;
    QTest::newRow("sign not a string")
        << none << TestKey << json(R"({"sign":1})") << QStringList() << Verdict::Malformed;
    QTest::newRow("stale: 301 s old") << json(R"({"timestamp":1699999699})") << TestKey << none
                                      << QStringList() << Verdict::Expired;
    QTest::newRow("stale: 301 s ahead") << json(R"({"timestamp":1700000301})") << TestKey << none
                                        << QStringList() << Verdict::Expired;
    QTest::newRow("window edge: 300 s old")
        << json(R"({"timestamp":1699999700})") << TestKey << none << QStringList() << Verdict::Ok;
    QTest::newRow("window edge: 300 s ahead")
        << json(R"({"timestamp":1700000300})") << TestKey << none << QStringList() << Verdict::Ok;
    QTest::newRow("timestamp as a string") << json(R"({"timestamp":"1700000000"})") << TestKey
                                           << none << QStringList() << Verdict::Malformed;
    QTest::newRow("timestamp missing")
        << none << TestKey << none << QStringList {QStringLiteral("timestamp")}
        << Verdict::Malformed;
    QTest::newRow("wrong partner (signed)") << json(R"({"partner_id":"other-partner"})") << TestKey
                                            << none << QStringList() << Verdict::WrongPartner;
    QTest::newRow("partner missing")
        << none << TestKey << none << QStringList {QStringLiteral("partner_id")}
        << Verdict::Malformed;
    QTest::newRow("nonce too short")
        << json(R"({"nonce_str":"abc"})") << TestKey << none << QStringList() << Verdict::Malformed;
    QTest::newRow("nonce with punctuation")
        << json(R"({"nonce_str":"0123456789abcdef-"})") << TestKey << none << QStringList()
        << Verdict::Malformed;
    QTest::newRow("nonce too long") << json(R"({"nonce_str":"0123456789abcdef0123456789abcdef0"})")
                                    << TestKey << none << QStringList() << Verdict::Malformed;
    QTest::newRow("fractional amount (unsignable)")
        << none << TestKey << json(R"({"amount":20.5})") << QStringList() << Verdict::Malformed;
}

void TestEcardProtocol::verify()
{
    QFETCH(QJsonObject, beforeSigning);
    QFETCH(QByteArray, signingKey);
    QFETCH(QJsonObject, afterSigning);
    QFETCH(QStringList, removedAfterSigning);
    QFETCH(Verdict, expected);

    QJsonObject message = json(CreateRequest);
    for (auto it = beforeSigning.begin(); it != beforeSigning.end(); ++it)
        message.insert(it.key(), it.value());
    message = withSignature(message, signingKey);
    for (auto it = afterSigning.begin(); it != afterSigning.end(); ++it)
        message.insert(it.key(), it.value());
    for (const QString &key : std::as_const(removedAfterSigning))
        message.remove(key);

    const Verdict verdict = ecard::verify(message, Partner, TestKey, FixedNow);
    QCOMPARE(verdictName(verdict), verdictName(expected));
}

void TestEcardProtocol::stampedEnvelopeVerifies()
{
    const QJsonObject fields {{field::outTradeNo, QStringLiteral("o-1")}, {field::amount, 1}};
    const QJsonObject a = stamped(fields, Partner, FixedNow);
    const QJsonObject b = stamped(fields, Partner, FixedNow);
    QCOMPARE(a.value(field::partnerId).toString(), Partner);
    QCOMPARE(ecard::integerField(a, field::timestamp), std::optional<qint64>(FixedNow));
    QVERIFY(isValidNonce(a.value(field::nonceStr).toString()));
    QVERIFY(a.value(field::nonceStr) != b.value(field::nonceStr)); // fresh every time
    QCOMPARE(ecard::verify(withSignature(a, TestKey), Partner, TestKey, FixedNow), Verdict::Ok);
    // Signed a moment ago, checked later: the window, not the signature, decides.
    QCOMPARE(ecard::verify(withSignature(a, TestKey), Partner, TestKey, FixedNow + 301),
             Verdict::Expired);
    QCOMPARE(ecard::verify(withSignature(a, TestKey), Partner, TestKey, FixedNow, -1),
             Verdict::Expired);
}

void TestEcardProtocol::verdictRetcodes()
{
    QCOMPARE(verdictRetcode(Verdict::Ok), retcode::success);
    QCOMPARE(verdictRetcode(Verdict::Malformed), retcode::invalidParameter);
    QCOMPARE(verdictRetcode(Verdict::WrongPartner), retcode::signError);
    QCOMPARE(verdictRetcode(Verdict::BadSignature), retcode::signError);
    QCOMPARE(verdictRetcode(Verdict::Expired), retcode::timestampExpired);
}

void TestEcardProtocol::retmsgTable()
{
    const QLatin1String codes[] = {
        retcode::success,
        retcode::invalidParameter,
        retcode::signError,
        retcode::timestampExpired,
        retcode::nonceReused,
        retcode::studentNotFound,
        retcode::insufficientBalance,
        retcode::orderNotFound,
        retcode::orderClosed,
        retcode::duplicateOutTradeNo,
        retcode::orderStateInvalid,
        retcode::refundExceedsAmount,
        retcode::refundNotFound,
        retcode::duplicateOutRefundNo,
        retcode::paymentFailed,
        retcode::systemError,
    };
    const QString unknown = retmsgOf(QStringLiteral("4242"));
    QCOMPARE(unknown, QStringLiteral("未知错误"));
    for (const QLatin1String code : codes)
        QVERIFY2(retmsgOf(code) != unknown, code.data());
    QCOMPARE(retmsgOf(retcode::insufficientBalance), QStringLiteral("余额不足"));
}

void TestEcardProtocol::stateNamesRoundTrip()
{
    for (TradeState s : {TradeState::NotPay, TradeState::Success, TradeState::Closed,
                         TradeState::PayError, TradeState::Refund})
        QCOMPARE(tradeStateFromName(tradeStateName(s)), std::optional<TradeState>(s));
    QCOMPARE(tradeStateName(TradeState::PayError), QStringLiteral("PAYERROR"));
    QVERIFY(!tradeStateFromName(QStringLiteral("notpay")));
    for (RefundState s : {RefundState::Processing, RefundState::Success, RefundState::Failed})
        QCOMPARE(refundStateFromName(refundStateName(s)), std::optional<RefundState>(s));
    QVERIFY(!refundStateFromName(QString()));
}

void TestEcardProtocol::integerField_data()
{
    QTest::addColumn<QJsonObject>("message");
    QTest::addColumn<bool>("present");
    QTest::addColumn<qint64>("value");
    QTest::newRow("integer") << json(R"({"v":2000})") << true << qint64(2000);
    QTest::newRow("negative") << json(R"({"v":-1})") << true << qint64(-1);
    QTest::newRow("large") << json(R"({"v":1700000000123})") << true << qint64(1700000000123);
    QTest::newRow("fraction") << json(R"({"v":1.25})") << false << qint64(0);
    QTest::newRow("string") << json(R"({"v":"12"})") << false << qint64(0);
    QTest::newRow("bool") << json(R"({"v":true})") << false << qint64(0);
    QTest::newRow("absent") << json(R"({})") << false << qint64(0);
}

void TestEcardProtocol::integerField()
{
    QFETCH(QJsonObject, message);
    QFETCH(bool, present);
    QFETCH(qint64, value);
    const auto v = ecard::integerField(message, QLatin1String("v"));
    QCOMPARE(v.has_value(), present);
    if (present)
        QCOMPARE(*v, value);
}

void TestEcardProtocol::forLogDropsSign()
{
    const QByteArray line = forLog(withSignature(json(CreateRequest), TestKey));
    QVERIFY(!line.contains("\"sign\""));
    QVERIFY(!line.contains("284d4016"));
    QVERIFY(line.contains("\"out_trade_no\":\"1790000000000000001\""));
}

QTEST_GUILESS_MAIN(TestEcardProtocol)
#include "test_ecardprotocol.moc"
