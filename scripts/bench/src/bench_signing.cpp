// Throughput of the Pay API request signature (HMAC-SHA256 over the canonical string) and of the
// WeChat Pay path (RSA-2048 SHA256withRSA, AES-256-GCM), plus the cost of one password check.

#include "domain/crypto.h"
#include "domain/signing.h"

#include <QJsonObject>

#include <benchmark/benchmark.h>

using namespace pomelo;

namespace {

const QByteArray TestSecret("s3cr3t-app-secret-0123456789abcdef");
const QStringList CashierUnsigned {QStringLiteral("channel")};
const signing::Target CashierRoute = signing::Target::post(QStringLiteral("/pay/v1/cashier"));

/// A cashier request as the front end posts it to /pay/v1/cashier.
QJsonObject cashierRequest()
{
    QJsonObject request {
        {QStringLiteral("appId"), QStringLiteral("app_venue_booking")},
        {QStringLiteral("orderId"), QStringLiteral("1790000000000000001")},
        {QStringLiteral("amount"), 2500},
        {QStringLiteral("nonce"), QStringLiteral("a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6")},
        {QStringLiteral("timestamp"), 1700000000},
        {QStringLiteral("channel"), QStringLiteral("WECHAT_JSAPI")},
    };
    return signing::withSignature(CashierRoute, request, TestSecret, CashierUnsigned);
}

// WeChat Pay APIv3 signs "METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n".
const QByteArray WechatMessage(
    "POST\n/v3/pay/transactions/jsapi\n1700000000\n593BEC0C930BF1AFEB40B4A08C8FB242\n"
    "{\"appid\":\"wxd678efh567hg6787\",\"mchid\":\"1230000109\",\"description\":\"venue\","
    "\"out_trade_no\":\"1790000000000000001\",\"notify_url\":\"https://pay.example.edu/notify\","
    "\"amount\":{\"total\":2500,\"currency\":\"CNY\"},\"payer\":{\"openid\":\"o-alice\"}}\n");

const crypto::RsaPrivateKey &rsaKey()
{
    static const crypto::RsaPrivateKey key =
        *crypto::RsaPrivateKey::fromPem(crypto::generateRsaKeyPair(2048).privateKeyPem);
    return key;
}

void BM_CanonicalString(benchmark::State &state)
{
    const QJsonObject request = cashierRequest();
    for (auto _ : state)
        benchmark::DoNotOptimize(signing::canonicalString(CashierRoute, request, CashierUnsigned));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CanonicalString);

void BM_SignCashier(benchmark::State &state)
{
    const QJsonObject request = cashierRequest();
    for (auto _ : state)
        benchmark::DoNotOptimize(signing::sign(CashierRoute, request, TestSecret, CashierUnsigned));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignCashier);

void BM_VerifyCashier(benchmark::State &state)
{
    const QJsonObject request = cashierRequest();
    if (!signing::verify(CashierRoute, request, TestSecret, CashierUnsigned))
        state.SkipWithError("the request does not verify");
    for (auto _ : state)
        benchmark::DoNotOptimize(
            signing::verify(CashierRoute, request, TestSecret, CashierUnsigned));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyCashier);

void BM_HmacSha256(benchmark::State &state)
{
    const QByteArray data(state.range(0), 'x');
    for (auto _ : state)
        benchmark::DoNotOptimize(crypto::hmacSha256(TestSecret, data));
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_HmacSha256)->Arg(128)->Arg(4096);

void BM_RsaSign2048(benchmark::State &state)
{
    const crypto::RsaPrivateKey &key = rsaKey();
    for (auto _ : state)
        benchmark::DoNotOptimize(key.sign(WechatMessage));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RsaSign2048);

void BM_RsaVerify2048(benchmark::State &state)
{
    const crypto::RsaPublicKey key = rsaKey().publicKey();
    const QByteArray signature = rsaKey().sign(WechatMessage);
    if (!key.verify(WechatMessage, signature))
        state.SkipWithError("the signature does not verify");
    for (auto _ : state)
        benchmark::DoNotOptimize(key.verify(WechatMessage, signature));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RsaVerify2048);

void BM_AesGcmDecryptNotification(benchmark::State &state)
{
    const QByteArray key("0123456789abcdefghijklmnopqrstuv");
    const QByteArray nonce("fdasflkja484");
    const QByteArray sealed =
        crypto::aes256GcmEncrypt(key, nonce, QByteArray(state.range(0), 'p'), "transaction");
    for (auto _ : state)
        benchmark::DoNotOptimize(crypto::aes256GcmDecrypt(key, nonce, sealed, "transaction"));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AesGcmDecryptNotification)->Arg(1024);

void BM_VerifyPassword(benchmark::State &state)
{
    const QString password = QStringLiteral("correct horse battery staple");
    const QString encoded = crypto::hashPassword(password);
    for (auto _ : state)
        benchmark::DoNotOptimize(crypto::verifyPassword(password, encoded));
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyPassword)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
