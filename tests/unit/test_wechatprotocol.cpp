// WeChat Pay APIv3 message signing and encryption (server/channels/wechatprotocol): the
// Authorization header, the signed messages, what verification refuses, AEAD resources, paySign,
// and the JSON of transactions and refunds. One signature is cross-checked with the openssl CLI.
#include "channels/wechatprotocol.h"
#include "domain/crypto.h"

#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace pomelo;
using namespace pomelo::wechat;

Q_DECLARE_METATYPE(pomelo::wechat::Verdict)

namespace {

constexpr qint64 FixedNow = 1700000000;
const QString MchId = QStringLiteral("1900000109");
const QString TestSerial = QStringLiteral("5157F09EFDC096DE15EBE81A47057A7232F1B8E1");
const QString KeyId = QStringLiteral("PUB_KEY_ID_0119000001092024061200123456000001");
const QByteArray ApiV3Key = QByteArrayLiteral("0123456789abcdefghijABCDEFGHIJ-_");

struct Keys
{
    std::optional<crypto::RsaPrivateKey> merchant;
    std::optional<crypto::RsaPrivateKey> platform;
    std::optional<crypto::RsaPrivateKey> forger;
    QByteArray merchantPem;
};

Keys &keys()
{
    static Keys k;
    return k;
}

} // namespace

class TestWechatProtocol : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();

    void authorizationHeader();
    void parseAuthorization_data();
    void parseAuthorization();
    void messages();
    void verifyRequest_data();
    void verifyRequest();
    void verifyAnswer_data();
    void verifyAnswer();
    void aead_data();
    void aead();
    void envelopeRoundTrip();
    void paySign();
    void times_data();
    void times();
    void parseTransaction_data();
    void parseTransaction();
    void parseRefund_data();
    void parseRefund();
    void stateNames();
    void opensslCrossCheck();
};

void TestWechatProtocol::initTestCase()
{
    Keys &k = keys();
    const auto merchant = crypto::generateRsaKeyPair(2048);
    k.merchantPem = merchant.privateKeyPem;
    k.merchant = crypto::RsaPrivateKey::fromPem(merchant.privateKeyPem);
    k.platform = crypto::RsaPrivateKey::fromPem(crypto::generateRsaKeyPair(2048).privateKeyPem);
    k.forger = crypto::RsaPrivateKey::fromPem(crypto::generateRsaKeyPair(2048).privateKeyPem);
    QVERIFY(k.merchant && k.platform && k.forger);
}

void TestWechatProtocol::authorizationHeader()
{
    const Authorization a {MchId, QStringLiteral("593BEC0C930BF1AFEB40B4A08C8FB242"),
                           QStringLiteral("1554208460"), TestSerial,
                           QStringLiteral("uOVRnA4q+a/b==")};
    QCOMPARE(wechat::authorizationHeader(a),
             QByteArrayLiteral("WECHATPAY2-SHA256-RSA2048 mchid=\"1900000109\","
                               "nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\","
                               "timestamp=\"1554208460\","
                               "serial_no=\"5157F09EFDC096DE15EBE81A47057A7232F1B8E1\","
                               "signature=\"uOVRnA4q+a/b==\""));
    const auto parsed = wechat::parseAuthorization(wechat::authorizationHeader(a));
    QVERIFY(parsed.has_value());
    QCOMPARE(parsed->mchId, a.mchId);
    QCOMPARE(parsed->nonce, a.nonce);
    QCOMPARE(parsed->timestamp, a.timestamp);
    QCOMPARE(parsed->serialNo, a.serialNo);
    QCOMPARE(parsed->signature, a.signature);
}

void TestWechatProtocol::parseAuthorization_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("valid");
    QTest::newRow("any order, spaces")
        << QByteArray("WECHATPAY2-SHA256-RSA2048 signature=\"s=\", mchid=\"1\",nonce_str=\"n\","
                      "serial_no=\"AB\",timestamp=\"1\"")
        << true;
    QTest::newRow("other scheme") << QByteArray(
        "WECHATPAY2-SHA256-RSA4096 mchid=\"1\",nonce_str=\"n\",timestamp=\"1\","
        "serial_no=\"AB\",signature=\"s\"")
                                  << false;
    QTest::newRow("missing signature")
        << QByteArray("WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",timestamp=\"1\","
                      "serial_no=\"AB\"")
        << false;
    QTest::newRow("duplicate mchid")
        << QByteArray("WECHATPAY2-SHA256-RSA2048 mchid=\"1\",mchid=\"2\",nonce_str=\"n\","
                      "timestamp=\"1\",serial_no=\"AB\",signature=\"s\"")
        << false;
    QTest::newRow("unknown parameter")
        << QByteArray("WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",timestamp=\"1\","
                      "serial_no=\"AB\",signature=\"s\",x=\"y\"")
        << false;
    QTest::newRow("unquoted") << QByteArray(
        "WECHATPAY2-SHA256-RSA2048 mchid=1,nonce_str=\"n\",timestamp=\"1\","
        "serial_no=\"AB\",signature=\"s\"")
                              << false;
    QTest::newRow("empty") << QByteArray() << false;
}

void TestWechatProtocol::parseAuthorization()
{
    QFETCH(QByteArray, header);
    QFETCH(bool, valid);
    QCOMPARE(wechat::parseAuthorization(header).has_value(), valid);
}

void TestWechatProtocol::messages()
{
    QCOMPARE(
        requestMessage("GET",
                       QStringLiteral("/v3/pay/transactions/out-trade-no/T1?mchid=1900000109"),
                       QStringLiteral("1554208460"), QStringLiteral("NONCE"), {}),
        QByteArrayLiteral(
            "GET\n/v3/pay/transactions/out-trade-no/T1?mchid=1900000109\n1554208460\nNONCE\n\n"));
    QCOMPARE(requestMessage("POST", QStringLiteral("/v3/pay/transactions/jsapi"),
                            QStringLiteral("1"), QStringLiteral("N"),
                            QByteArrayLiteral("{\"a\":1}")),
             QByteArrayLiteral("POST\n/v3/pay/transactions/jsapi\n1\nN\n{\"a\":1}\n"));
    QCOMPARE(answerMessage(QStringLiteral("1"), QStringLiteral("N"), QByteArrayLiteral("{}")),
             QByteArrayLiteral("1\nN\n{}\n"));
    QCOMPARE(paySignMessage(QStringLiteral("wx1"), QStringLiteral("2"), QStringLiteral("N"),
                            QStringLiteral("prepay_id=wx3")),
             QByteArrayLiteral("wx1\n2\nN\nprepay_id=wx3\n"));
    // Nonces: 32 upper-case hex characters, never the same twice.
    const QString n1 = newNonce();
    QCOMPARE(n1.size(), 32);
    QCOMPARE(n1, n1.toUpper());
    QVERIFY(n1 != newNonce());
}

void TestWechatProtocol::verifyRequest_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<Verdict>("expected");
    QTest::newRow("valid") << QStringLiteral("valid") << Verdict::Ok;
    QTest::newRow("tampered body") << QStringLiteral("body") << Verdict::BadSignature;
    QTest::newRow("other URL") << QStringLiteral("url") << Verdict::BadSignature;
    QTest::newRow("other method") << QStringLiteral("method") << Verdict::BadSignature;
    QTest::newRow("signed by another key") << QStringLiteral("forger") << Verdict::BadSignature;
    QTest::newRow("wrong serial") << QStringLiteral("serial") << Verdict::WrongSerial;
    QTest::newRow("serial in lower case") << QStringLiteral("lower-serial") << Verdict::Ok;
    QTest::newRow("other mchid") << QStringLiteral("mchid") << Verdict::WrongMerchant;
    QTest::newRow("301 s old") << QStringLiteral("old") << Verdict::Expired;
    QTest::newRow("301 s ahead") << QStringLiteral("ahead") << Verdict::Expired;
    QTest::newRow("299 s old") << QStringLiteral("edge") << Verdict::Ok;
    QTest::newRow("SIGNTEST") << QStringLiteral("signtest") << Verdict::SignTest;
    QTest::newRow("timestamp not a number") << QStringLiteral("nan") << Verdict::Malformed;
}

void TestWechatProtocol::verifyRequest()
{
    QFETCH(QString, kind);
    QFETCH(Verdict, expected);
    const Keys &k = keys();
    const QString url = QStringLiteral("/v3/pay/transactions/jsapi");
    const QByteArray body = QByteArrayLiteral("{\"appid\":\"wx1\",\"amount\":{\"total\":100}}");
    qint64 signedAt = FixedNow;
    if (kind == QLatin1String("old"))
        signedAt = FixedNow - 301;
    else if (kind == QLatin1String("ahead"))
        signedAt = FixedNow + 301;
    else if (kind == QLatin1String("edge"))
        signedAt = FixedNow - 299;
    Authorization a =
        signRequest(kind == QLatin1String("forger") ? *k.forger : *k.merchant,
                    kind == QLatin1String("mchid") ? QStringLiteral("1900000110") : MchId,
                    kind == QLatin1String("serial")             ? QStringLiteral("ABCDEF")
                        : kind == QLatin1String("lower-serial") ? TestSerial.toLower()
                                                                : TestSerial,
                    "POST", url, body, signedAt);
    QCOMPARE(a.timestamp, QString::number(signedAt));
    QCOMPARE(a.nonce.size(), 32);
    if (kind == QLatin1String("signtest"))
        a.signature = QStringLiteral("WECHATPAY/SIGNTEST/") + a.signature;
    if (kind == QLatin1String("nan"))
        a.timestamp = QStringLiteral("17e8");
    const Verdict v = wechat::verifyRequest(
        a, kind == QLatin1String("method") ? QByteArrayLiteral("PUT") : QByteArrayLiteral("POST"),
        kind == QLatin1String("url") ? url + QStringLiteral("?x=1") : url,
        kind == QLatin1String("body") ? QByteArray(body).replace("100", "1") : body,
        k.merchant->publicKey(), MchId, TestSerial, FixedNow);
    QCOMPARE(v, expected);
}

void TestWechatProtocol::verifyAnswer_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<Verdict>("expected");
    QTest::newRow("valid") << QStringLiteral("valid") << Verdict::Ok;
    QTest::newRow("empty body (204)") << QStringLiteral("empty") << Verdict::Ok;
    QTest::newRow("tampered body") << QStringLiteral("body") << Verdict::BadSignature;
    QTest::newRow("signed by another key") << QStringLiteral("forger") << Verdict::BadSignature;
    QTest::newRow("wrong serial") << QStringLiteral("serial") << Verdict::WrongSerial;
    QTest::newRow("missing nonce") << QStringLiteral("no-nonce") << Verdict::Malformed;
    QTest::newRow("missing serial") << QStringLiteral("no-serial") << Verdict::Malformed;
    QTest::newRow("301 s old") << QStringLiteral("old") << Verdict::Expired;
    QTest::newRow("301 s ahead") << QStringLiteral("ahead") << Verdict::Expired;
    QTest::newRow("SIGNTEST") << QStringLiteral("signtest") << Verdict::SignTest;
    QTest::newRow("signature not Base64") << QStringLiteral("junk") << Verdict::BadSignature;
}

void TestWechatProtocol::verifyAnswer()
{
    QFETCH(QString, kind);
    QFETCH(Verdict, expected);
    const Keys &k = keys();
    const QByteArray body = kind == QLatin1String("empty")
        ? QByteArray()
        : QByteArrayLiteral("{\"prepay_id\":\"wx1\"}");
    const qint64 at = kind == QLatin1String("old") ? FixedNow - 301
        : kind == QLatin1String("ahead")           ? FixedNow + 301
                                                   : FixedNow;
    SignatureHeaders h = signAnswer(
        kind == QLatin1String("forger") ? *k.forger : *k.platform,
        kind == QLatin1String("serial") ? QStringLiteral("PUB_KEY_ID_X") : KeyId, body, at);
    if (kind == QLatin1String("no-nonce"))
        h.nonce.clear();
    if (kind == QLatin1String("no-serial"))
        h.serial.clear();
    if (kind == QLatin1String("signtest"))
        h.signature = QStringLiteral("WECHATPAY/SIGNTEST/") + h.signature;
    if (kind == QLatin1String("junk"))
        h.signature = QStringLiteral("!!not base64!!");
    // Through HTTP header pairs, as a client reads them (names in any case).
    HeaderList list = toHeaderList(h);
    for (auto &pair : list)
        pair.first = pair.first.toLower();
    const SignatureHeaders read = signatureHeadersFrom(list);
    QCOMPARE(read.serial, h.serial);
    QCOMPARE(headerValue(list, header::signatureType),
             QByteArrayLiteral("WECHATPAY2-SHA256-RSA2048"));
    const QByteArray received = kind == QLatin1String("body") ? body + ' ' : body;
    QCOMPARE(wechat::verifyAnswer(read, received, k.platform->publicKey(), KeyId, FixedNow),
             expected);
}

void TestWechatProtocol::aead_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<bool>("decrypts");
    QTest::newRow("round trip") << QStringLiteral("ok") << true;
    QTest::newRow("tag flipped") << QStringLiteral("tag") << false;
    QTest::newRow("ciphertext flipped") << QStringLiteral("ciphertext") << false;
    QTest::newRow("wrong key") << QStringLiteral("key") << false;
    QTest::newRow("short key") << QStringLiteral("short-key") << false;
    QTest::newRow("wrong associated data") << QStringLiteral("aad") << false;
    QTest::newRow("wrong nonce") << QStringLiteral("nonce") << false;
    QTest::newRow("not Base64") << QStringLiteral("base64") << false;
    QTest::newRow("other algorithm") << QStringLiteral("algorithm") << false;
}

void TestWechatProtocol::aead()
{
    QFETCH(QString, kind);
    QFETCH(bool, decrypts);
    const QByteArray plaintext =
        QByteArrayLiteral("{\"out_trade_no\":\"T1\",\"trade_state\":\"SUCCESS\"}");
    EncryptedResource r = encryptResource(ApiV3Key, plaintext, QStringLiteral("transaction"),
                                          QStringLiteral("transaction"));
    QCOMPARE(r.nonce.size(), 12);
    QCOMPARE(r.algorithm, QStringLiteral("AEAD_AES_256_GCM"));
    QByteArray raw = QByteArray::fromBase64(r.ciphertext.toLatin1());
    QCOMPARE(raw.size(), plaintext.size() + 16); // ciphertext ‖ 16-byte tag
    QByteArray key = ApiV3Key;
    if (kind == QLatin1String("tag"))
        raw[raw.size() - 1] = char(raw.at(raw.size() - 1) ^ 0x01);
    if (kind == QLatin1String("ciphertext"))
        raw[0] = char(raw.at(0) ^ 0x80);
    r.ciphertext = QString::fromLatin1(raw.toBase64());
    if (kind == QLatin1String("key"))
        key[5] = 'X';
    if (kind == QLatin1String("short-key"))
        key.chop(1);
    if (kind == QLatin1String("aad"))
        r.associatedData = QStringLiteral("refund");
    if (kind == QLatin1String("nonce"))
        r.nonce[0] = r.nonce.at(0) == u'A' ? u'B' : u'A';
    if (kind == QLatin1String("base64"))
        r.ciphertext = QStringLiteral("@@@");
    if (kind == QLatin1String("algorithm"))
        r.algorithm = QStringLiteral("AEAD_AES_128_GCM");
    const auto decrypted = decryptResource(key, r);
    QCOMPARE(decrypted.has_value(), decrypts);
    if (decrypts)
        QCOMPARE(*decrypted, plaintext);
}

void TestWechatProtocol::envelopeRoundTrip()
{
    NotificationEnvelope e;
    e.id = QStringLiteral("EV-2018022511");
    e.createTime = QStringLiteral("2015-05-20T13:29:35+08:00");
    e.eventType = QString(event::transactionSuccess);
    e.summary = QStringLiteral("支付成功");
    e.resource = encryptResource(ApiV3Key, "{}", QStringLiteral("transaction"),
                                 QStringLiteral("transaction"), QStringLiteral("fdasflkja484"));
    const QJsonObject j = envelopeToJson(e);
    QCOMPARE(j.value(QStringLiteral("resource_type")).toString(),
             QStringLiteral("encrypt-resource"));
    const auto back = envelopeFromJson(j);
    QVERIFY(back.has_value());
    QCOMPARE(back->id, e.id);
    QCOMPARE(back->resource.nonce, QStringLiteral("fdasflkja484"));
    QCOMPARE(decryptResource(ApiV3Key, back->resource), std::optional<QByteArray>("{}"));

    QJsonObject bad = j;
    bad.insert(QStringLiteral("resource_type"), QStringLiteral("plain"));
    QVERIFY(!envelopeFromJson(bad).has_value());
    bad = j;
    bad.insert(QStringLiteral("resource"), QStringLiteral("x"));
    QVERIFY(!envelopeFromJson(bad).has_value());
    bad = j;
    bad.remove(QStringLiteral("id"));
    QVERIFY(!envelopeFromJson(bad).has_value());
}

void TestWechatProtocol::paySign()
{
    const Keys &k = keys();
    const QJsonObject p =
        requestPaymentParams(*k.merchant, QStringLiteral("wxd678efh567hg6787"),
                             QStringLiteral("wx201410272009395522657a690389285100"), FixedNow,
                             QStringLiteral("5K8264ILTKCH16CQ2502SI8ZNMTM67VS"));
    QCOMPARE(p.value(QStringLiteral("appId")).toString(), QStringLiteral("wxd678efh567hg6787"));
    QCOMPARE(p.value(QStringLiteral("timeStamp")).toString(), QStringLiteral("1700000000"));
    QCOMPARE(p.value(QStringLiteral("nonceStr")).toString(),
             QStringLiteral("5K8264ILTKCH16CQ2502SI8ZNMTM67VS"));
    QCOMPARE(p.value(QStringLiteral("package")).toString(),
             QStringLiteral("prepay_id=wx201410272009395522657a690389285100"));
    QCOMPARE(p.value(QStringLiteral("signType")).toString(), QStringLiteral("RSA"));
    QCOMPARE(p.keys().size(), 6);
    // As the mini-program's WeChat checks it: the merchant public key over the four lines.
    const QByteArray message = "wxd678efh567hg6787\n1700000000\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n"
                               "prepay_id=wx201410272009395522657a690389285100\n";
    QVERIFY(k.merchant->publicKey().verify(
        message, QByteArray::fromBase64(p.value(QStringLiteral("paySign")).toString().toLatin1())));
    QVERIFY(verifyRequestPaymentParams(k.merchant->publicKey(), p));
    QVERIFY(!verifyRequestPaymentParams(k.platform->publicKey(), p));
    QJsonObject tampered = p;
    tampered.insert(QStringLiteral("package"), QStringLiteral("prepay_id=wx2"));
    QVERIFY(!verifyRequestPaymentParams(k.merchant->publicKey(), tampered));
    tampered = p;
    tampered.insert(QStringLiteral("timeStamp"), 1700000000);
    QVERIFY(!verifyRequestPaymentParams(k.merchant->publicKey(), tampered));
}

void TestWechatProtocol::times_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("seconds"); // -1: invalid
    QTest::newRow("+08:00") << QStringLiteral("2018-06-08T10:34:56+08:00") << qint64(1528425296);
    QTest::newRow("Z") << QStringLiteral("2018-06-08T02:34:56Z") << qint64(1528425296);
    QTest::newRow("fraction") << QStringLiteral("2018-06-08T10:34:56.500+08:00")
                              << qint64(1528425296);
    QTest::newRow("no offset") << QStringLiteral("2018-06-08T10:34:56") << qint64(-1);
    QTest::newRow("date only") << QStringLiteral("2018-06-08") << qint64(-1);
    QTest::newRow("junk") << QStringLiteral("yesterday") << qint64(-1);
}

void TestWechatProtocol::times()
{
    QFETCH(QString, text);
    QFETCH(qint64, seconds);
    const QDateTime t = parseTime(text);
    QCOMPARE(t.isValid(), seconds >= 0);
    if (seconds >= 0) {
        QCOMPARE(t.toSecsSinceEpoch(), seconds);
        QCOMPARE(formatTime(t), QStringLiteral("2018-06-08T10:34:56+08:00"));
    }
}

void TestWechatProtocol::parseTransaction_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("error"); // empty: valid
    const QByteArray success =
        R"({"appid":"wx1","mchid":"1900000109","out_trade_no":"T1","transaction_id":"4200001",)"
        R"("trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功",)"
        R"("bank_type":"CMC","attach":"a","success_time":"2018-06-08T10:34:56+08:00",)"
        R"("payer":{"openid":"o-1"},"amount":{"total":100,"payer_total":90,"currency":"CNY"}})";
    QTest::newRow("SUCCESS") << success << QString();
    QTest::newRow("NOTPAY, minimal")
        << QByteArray(R"({"appid":"wx1","mchid":"1","out_trade_no":"T1","trade_state":"NOTPAY"})")
        << QString();
    QTest::newRow("missing appid")
        << QByteArray(R"({"mchid":"1","out_trade_no":"T1","trade_state":"NOTPAY"})")
        << QStringLiteral("appid");
    QTest::newRow("total as string")
        << QByteArray(success).replace("\"total\":100", "\"total\":\"100\"")
        << QStringLiteral("amount.total");
    QTest::newRow("total a fraction")
        << QByteArray(success).replace("\"total\":100", "\"total\":1.5")
        << QStringLiteral("amount.total");
    QTest::newRow("unknown state")
        << QByteArray(success).replace("\"SUCCESS\"", "\"PAID\"") << QStringLiteral("trade_state");
    QTest::newRow("SUCCESS without transaction_id")
        << QByteArray(success).replace("\"transaction_id\":\"4200001\",", "")
        << QStringLiteral("transaction_id");
    QTest::newRow("bad success_time")
        << QByteArray(success).replace("+08:00", "") << QStringLiteral("success_time");
    QTest::newRow("payer not an object")
        << QByteArray(success).replace(R"({"openid":"o-1"})", "\"o-1\"") << QStringLiteral("payer");
    QTest::newRow("attach a number")
        << QByteArray(success).replace("\"attach\":\"a\"", "\"attach\":1")
        << QStringLiteral("attach");
}

void TestWechatProtocol::parseTransaction()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, error);
    QString why;
    const auto t = wechat::parseTransaction(QJsonDocument::fromJson(body).object(), &why);
    QCOMPARE(t.has_value(), error.isEmpty());
    QCOMPARE(why, error);
    if (t && t->tradeState == TradeState::Success) {
        QCOMPARE(t->total, 100);
        QCOMPARE(t->payerTotal, std::optional<qint64>(90));
        QCOMPARE(t->payerOpenId, QStringLiteral("o-1"));
        QCOMPARE(t->successTime.toSecsSinceEpoch(), 1528425296);
        // And back: the sandbox writes what the client reads.
        const auto again = wechat::parseTransaction(transactionToJson(*t));
        QVERIFY(again.has_value());
        QCOMPARE(again->transactionId, t->transactionId);
        QCOMPARE(again->successTime, t->successTime);
        QCOMPARE(again->payerTotal, t->payerTotal);
    }
}

void TestWechatProtocol::parseRefund_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("error");
    const QByteArray answer =
        R"({"refund_id":"50000000382019052709732678859","out_refund_no":"R1","transaction_id":"42",)"
        R"("out_trade_no":"T1","channel":"ORIGINAL","status":"PROCESSING",)"
        R"("create_time":"2020-12-01T16:18:12+08:00","amount":{"refund":50,"total":100,"currency":"CNY"}})";
    const QByteArray notification =
        R"({"mchid":"1900000100","out_trade_no":"T1","transaction_id":"42","out_refund_no":"R1",)"
        R"("refund_id":"50","refund_status":"SUCCESS","success_time":"2018-06-08T10:34:56+08:00",)"
        R"("amount":{"total":100,"refund":100,"payer_total":100,"payer_refund":100}})";
    QTest::newRow("answer") << answer << QString();
    QTest::newRow("notification") << notification << QString();
    QTest::newRow("unknown status")
        << QByteArray(answer).replace("PROCESSING", "DONE") << QStringLiteral("status");
    QTest::newRow("refund as string")
        << QByteArray(answer).replace("\"refund\":50", "\"refund\":\"50\"")
        << QStringLiteral("amount.refund");
    QTest::newRow("refund over total")
        << QByteArray(answer).replace("\"refund\":50", "\"refund\":150")
        << QStringLiteral("amount.refund");
    QTest::newRow("missing refund_id")
        << QByteArray(answer).replace("\"refund_id\":\"50000000382019052709732678859\",", "")
        << QStringLiteral("refund_id");
    QTest::newRow("amount missing") << QByteArray(
        R"({"refund_id":"1","out_refund_no":"R1","out_trade_no":"T1","status":"SUCCESS"})")
                                    << QStringLiteral("amount");
}

void TestWechatProtocol::parseRefund()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, error);
    QString why;
    const auto r = wechat::parseRefund(QJsonDocument::fromJson(body).object(), &why);
    QCOMPARE(r.has_value(), error.isEmpty());
    QCOMPARE(why, error);
    if (!r)
        return;
    QCOMPARE(r->outRefundNo, QStringLiteral("R1"));
    for (bool asNotification : {false, true}) {
        const auto again = wechat::parseRefund(refundToJson(*r, asNotification, MchId));
        QVERIFY(again.has_value());
        QCOMPARE(again->status, r->status);
        QCOMPARE(again->refund, r->refund);
        QCOMPARE(again->successTime, r->successTime);
    }
}

void TestWechatProtocol::stateNames()
{
    for (const char *name :
         {"SUCCESS", "REFUND", "NOTPAY", "CLOSED", "REVOKED", "USERPAYING", "PAYERROR", "ACCEPT"}) {
        const auto s = tradeStateFromName(QLatin1String(name));
        QVERIFY2(s.has_value(), name);
        QCOMPARE(tradeStateName(*s), QLatin1String(name));
    }
    for (const char *name : {"SUCCESS", "CLOSED", "PROCESSING", "ABNORMAL"}) {
        const auto s = refundStatusFromName(QLatin1String(name));
        QVERIFY2(s.has_value(), name);
        QCOMPARE(refundStatusName(*s), QLatin1String(name));
    }
    QVERIFY(!tradeStateFromName(QStringLiteral("success")).has_value());
}

void TestWechatProtocol::opensslCrossCheck()
{
    const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    if (openssl.isEmpty())
        QSKIP("openssl command line not installed");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString keyFile = dir.filePath(QStringLiteral("key.pem"));
    {
        QFile f(keyFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(keys().merchantPem);
    }
    const QByteArray message = requestMessage(
        "POST", QStringLiteral("/v3/pay/transactions/jsapi"), QStringLiteral("1554208460"),
        QStringLiteral("593BEC0C930BF1AFEB40B4A08C8FB242"), QByteArrayLiteral("{\"a\":\"支付\"}"));
    QProcess p;
    p.start(openssl,
            {QStringLiteral("dgst"), QStringLiteral("-sha256"), QStringLiteral("-sign"), keyFile});
    QVERIFY(p.waitForStarted());
    p.write(message);
    p.closeWriteChannel();
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
    const QByteArray opensslSignature = p.readAllStandardOutput().toBase64();
    // PKCS#1 v1.5 is deterministic: the same bytes as openssl's, and each verifies the other.
    QCOMPARE(signBase64(*keys().merchant, message).toLatin1(), opensslSignature);
    QVERIFY(
        verifyBase64(keys().merchant->publicKey(), message, QString::fromLatin1(opensslSignature)));
}

QTEST_GUILESS_MAIN(TestWechatProtocol)
#include "test_wechatprotocol.moc"
