#include "domain/errors.h"

#include <QSet>
#include <QTest>

#include <limits>

using namespace pomelo;

namespace {

// Every enumerator, written out here so that a code added to the header without a catalog entry
// (or the reverse) fails a test.
const QList<ErrorCode> AllCodes = {
    ErrorCode::VenueSlotBusy,
    ErrorCode::SlotAlreadyBooked,
    ErrorCode::InvalidBookingInput,
    ErrorCode::BookingNotFound,
    ErrorCode::BookingOfAnotherUser,
    ErrorCode::BookingStateConflict,
    ErrorCode::InvalidProfile,
    ErrorCode::WechatLoginCodeInvalid,
    ErrorCode::WechatLoginRateLimited,
    ErrorCode::WechatBusy,
    ErrorCode::BookingDayNotOpen,
    ErrorCode::DailyBookingLimit,
    ErrorCode::WeeklyBookingLimit,
    ErrorCode::VenueClosed,
    ErrorCode::VenueInactive,
    ErrorCode::RefundCutoffPassed,
    ErrorCode::TopupRoomNotFound,
    ErrorCode::TopupRoomNotBound,
    ErrorCode::TopupAmountOutOfRange,
    ErrorCode::TopupNotFound,
    ErrorCode::TopupOfAnotherUser,
    ErrorCode::TopupStateConflict,
    ErrorCode::InvalidAmount,
    ErrorCode::UnknownApp,
    ErrorCode::InvalidSignature,
    ErrorCode::RequestExpiredOrReplayed,
    ErrorCode::OrderNotFound,
    ErrorCode::DuplicatePayment,
    ErrorCode::OrderFinished,
    ErrorCode::UnsupportedChannel,
    ErrorCode::OutTradeNoReused,
    ErrorCode::InvalidOrderField,
    ErrorCode::ChannelError,
    ErrorCode::UtilityUnavailable,
    ErrorCode::MalformedJson,
    ErrorCode::InvalidParameter,
    ErrorCode::Unauthorized,
    ErrorCode::Forbidden,
    ErrorCode::NotFound,
    ErrorCode::MethodNotAllowed,
    ErrorCode::StateConflict,
    ErrorCode::PayloadTooLarge,
    ErrorCode::TooManyAttempts,
    ErrorCode::Internal,
    ErrorCode::FeatureDisabled,
    ErrorCode::DependencyUnavailable,
};

bool hasHan(const QString &text)
{
    for (const QChar c : text) {
        if (c.script() == QChar::Script_Han)
            return true;
    }
    return false;
}

} // namespace

class TestErrors : public QObject
{
    Q_OBJECT

private slots:
    void catalogCoversEveryEnumerator();
    void catalogSortedAndUnique();
    void httpStatus_data();
    void httpStatus();
    void messages();
    void chineseMessagesStudentsSee_data();
    void chineseMessagesStudentsSee();
    void messagesWithArguments_data();
    void messagesWithArguments();
    void codeFromInt_data();
    void codeFromInt();
    void unknownEnumValueIsInternal();
    void errorCarriesCodeAndDetail();
    void acceptLanguage_data();
    void acceptLanguage();
};

void TestErrors::catalogCoversEveryEnumerator()
{
    QCOMPARE(errorCatalog().size(), AllCodes.size());
    for (const ErrorCode code : AllCodes) {
        const ErrorInfo &info = errorInfo(code);
        QCOMPARE(int(info.code), int(code));
    }
}

void TestErrors::catalogSortedAndUnique()
{
    QSet<int> seen;
    int previous = 0;
    for (const ErrorInfo &info : errorCatalog()) {
        const int code = int(info.code);
        QVERIFY2(!seen.contains(code), qPrintable(QString::number(code)));
        seen.insert(code);
        QVERIFY2(code > previous, "catalog not in code order");
        previous = code;
    }
}

void TestErrors::httpStatus_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<int>("status");
    // API.md, "Error codes", plus the generic codes of "Common rules".
    const int table[][2] = {
        {1001, 429}, {1002, 409}, {1003, 400}, {1004, 404}, {1005, 403}, {1006, 409}, {1007, 400},
        {2001, 400}, {2002, 400}, {2003, 401}, {2004, 401}, {2005, 404}, {2006, 409}, {2007, 409},
        {2008, 400}, {2009, 409}, {2010, 400}, {3001, 502}, {4000, 400}, {4010, 401}, {4040, 404},
        {4050, 405}, {4130, 413}, {5000, 500}, {5030, 503}, {4001, 400}, {4030, 403}, {4290, 429},
        {5010, 501}, {1010, 401}, {1011, 429}, {1012, 503},
    };
    for (const auto &row : table)
        QTest::addRow("%d", row[0]) << row[0] << row[1];
    // The campus's booking rules and venue closures.
    const int bookingRules[][2] = {{1020, 400}, {1021, 409}, {1022, 409},
                                   {1023, 409}, {1024, 409}, {1025, 409}};
    for (const auto &row : bookingRules)
        QTest::addRow("%d", row[0]) << row[0] << row[1];
    // Utility top-ups.
    const int topups[][2] = {{1101, 404}, {1102, 409}, {1103, 400}, {1104, 404},
                             {1105, 403}, {1106, 409}, {3002, 502}};
    for (const auto &row : topups)
        QTest::addRow("%d", row[0]) << row[0] << row[1];
}

void TestErrors::httpStatus()
{
    QFETCH(int, code);
    QFETCH(int, status);
    const std::optional<ErrorCode> parsed = errorCodeFromInt(code);
    QVERIFY(parsed);
    QCOMPARE(pomelo::httpStatus(*parsed), status);
    QCOMPARE(errorInfo(*parsed).httpStatus, status);
}

void TestErrors::messages()
{
    QSet<QString> chinese;
    QSet<QString> english;
    for (const ErrorCode code : AllCodes) {
        const QString zh = errorMessage(code, Language::Chinese);
        const QString en = errorMessage(code, Language::English);
        const QByteArray which = QByteArray::number(int(code));
        QVERIFY2(hasHan(zh), which.constData());
        QVERIFY2(!en.isEmpty() && !hasHan(en), which.constData());
        QVERIFY2(zh != en, which.constData());
        chinese.insert(zh);
        english.insert(en);
    }
    // Distinct messages: a student or an integrator can tell the errors apart.
    QCOMPARE(chinese.size(), AllCodes.size());
    QCOMPARE(english.size(), AllCodes.size());
}

void TestErrors::chineseMessagesStudentsSee_data()
{
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("1001") << ErrorCode::VenueSlotBusy
                          << QStringLiteral("当前场地预订繁忙，请稍后重试");
    QTest::newRow("1002") << ErrorCode::SlotAlreadyBooked
                          << QStringLiteral("该场地在所选时间段已被预订");
    QTest::newRow("2001") << ErrorCode::InvalidAmount << QStringLiteral("订单金额格式错误，请检查");
    QTest::newRow("2006") << ErrorCode::DuplicatePayment << QStringLiteral("请勿重复支付");
    QTest::newRow("2007") << ErrorCode::OrderFinished << QStringLiteral("当前订单已结束");
    QTest::newRow("1102") << ErrorCode::TopupRoomNotBound << QStringLiteral("请先绑定宿舍房间");
    QTest::newRow("3002") << ErrorCode::UtilityUnavailable
                          << QStringLiteral("水电系统暂不可用，请稍后重试");
    QTest::newRow("5000") << ErrorCode::Internal << QStringLiteral("系统内部错误");
    QTest::newRow("5030") << ErrorCode::DependencyUnavailable
                          << QStringLiteral("服务暂不可用，请稍后重试");
}

void TestErrors::chineseMessagesStudentsSee()
{
    QFETCH(ErrorCode, code);
    QFETCH(QString, message);
    QCOMPARE(errorMessage(code, Language::Chinese), message);
}

void TestErrors::messagesWithArguments_data()
{
    QTest::addColumn<ErrorCode>("code");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("chinese");
    QTest::addColumn<QString>("english");
    QTest::newRow("1103 range") << ErrorCode::TopupAmountOutOfRange
                                << QStringList {QStringLiteral("1"), QStringLiteral("500")}
                                << QStringLiteral("充值金额须在 1 元至 500 元之间")
                                << QStringLiteral(
                                       "The top-up amount must be between 1 and 500 yuan");
    // Without its arguments the message is the general one, never a raw "%1".
    QTest::newRow("1103 no args") << ErrorCode::TopupAmountOutOfRange << QStringList {}
                                  << QStringLiteral("充值金额超出允许范围")
                                  << QStringLiteral(
                                         "The top-up amount is outside the allowed range");
}

void TestErrors::messagesWithArguments()
{
    QFETCH(ErrorCode, code);
    QFETCH(QStringList, args);
    QFETCH(QString, chinese);
    QFETCH(QString, english);
    QCOMPARE(errorMessage(code, Language::Chinese, args), chinese);
    QCOMPARE(errorMessage(code, Language::English, args), english);
}

void TestErrors::codeFromInt_data()
{
    QTest::addColumn<int>("value");
    QTest::addColumn<bool>("known");
    QTest::newRow("1001") << 1001 << true;
    QTest::newRow("5030") << 5030 << true;
    QTest::newRow("0") << 0 << false;
    QTest::newRow("-1") << -1 << false;
    QTest::newRow("1000") << 1000 << false;
    QTest::newRow("1007") << 1007 << true;
    QTest::newRow("1008") << 1008 << false;
    QTest::newRow("2011") << 2011 << false;
    QTest::newRow("404") << 404 << false;
    QTest::newRow("5001") << 5001 << false;
    QTest::newRow("int max") << std::numeric_limits<int>::max() << false;
}

void TestErrors::codeFromInt()
{
    QFETCH(int, value);
    QFETCH(bool, known);
    const std::optional<ErrorCode> code = errorCodeFromInt(value);
    QCOMPARE(code.has_value(), known);
    if (known)
        QCOMPARE(int(*code), value);
}

void TestErrors::unknownEnumValueIsInternal()
{
    const auto bogus = static_cast<ErrorCode>(1234);
    QCOMPARE(int(errorInfo(bogus).code), int(ErrorCode::Internal));
    QCOMPARE(pomelo::httpStatus(bogus), 500);
    QCOMPARE(errorMessage(bogus, Language::Chinese), QStringLiteral("系统内部错误"));
}

void TestErrors::errorCarriesCodeAndDetail()
{
    const Error error(ErrorCode::OrderNotFound, QStringLiteral("order 42 not in table"));
    QCOMPARE(int(error.code()), 2005);
    QCOMPARE(error.detail(), QStringLiteral("order 42 not in table"));
    QCOMPARE(QByteArray(error.what()), QByteArrayLiteral("2005: order 42 not in table"));

    const Error copy = error; // what() must not point into the original
    QCOMPARE(QByteArray(copy.what()), QByteArray(error.what()));

    const Error bare(ErrorCode::Internal);
    QVERIFY(bare.detail().isEmpty());
    QCOMPARE(QByteArray(bare.what()), QByteArrayLiteral("5000"));

    try {
        throw Error(ErrorCode::InvalidAmount, QStringLiteral("金额"));
    } catch (const std::exception &e) {
        QCOMPARE(QString::fromUtf8(e.what()), QStringLiteral("2001: 金额"));
    }
}

void TestErrors::acceptLanguage_data()
{
    QTest::addColumn<QString>("header");
    QTest::addColumn<bool>("english");
    const auto row = [](const char *header, bool english) {
        QTest::newRow(*header ? header : "(empty)") << QString::fromUtf8(header) << english;
    };
    row("", false);
    row("en", true);
    row("EN", true);
    row("en-US", true);
    row("en_GB", true);
    row("en-US,en;q=0.9", true);
    row("zh-CN", false);
    row("zh-Hans-CN", false);
    row("zh-CN,zh;q=0.9,en;q=0.8", false);
    row("zh-CN;q=0.5, en;q=0.8", true);
    row("en;q=0.5, zh;q=0.6", false);
    row("  en  ;  q=0.7 , zh ; q=0.6", true);
    row("en;Q=0.7,zh;q=0.6", true);
    row("de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", true);
    row("fr, en;q=0.5", true);
    row("fr", false);
    row("*", false);
    row("*, en;q=0.5", false);
    row("en;q=0", false);
    row("en;q=0.000", false);
    row("en;q=0.001", true);
    row("en;q=1.0", true);
    row("en;q=1.000", true);
    row("en-GB;q=0.9, zh-TW;q=0.9", true);
    row("zh-TW;q=0.9, en-GB;q=0.9", false);
    row("en;q=abc", false);
    row("en;q=2", false);
    row("en;q=1.5", false);
    row("en;q=0.1234", false);
    row("english", false);
    row("enx", false);
    row(",,,", false);
    row(";q=1,en", true);
}

void TestErrors::acceptLanguage()
{
    QFETCH(QString, header);
    QFETCH(bool, english);
    QCOMPARE(languageFromAcceptLanguage(header) == Language::English, english);
}

QTEST_GUILESS_MAIN(TestErrors)
#include "test_errors.moc"
