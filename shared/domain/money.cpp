#include "money.h"

#include "errors.h"

#include <QJsonValue>
#include <QStringDecoder>
#include <QVariant>

#include <vector>

namespace pomelo {

namespace {

[[noreturn]] void rejectAmount(const QString &why)
{
    throw Error(ErrorCode::InvalidAmount, QStringLiteral("amount rejected: ") + why);
}

// Client input goes into a log line: keep it short.
QString quoted(QByteArrayView token)
{
    constexpr qsizetype Shown = 32;
    QString text = QString::fromUtf8(token.first(qMin(token.size(), Shown)));
    if (token.size() > Shown)
        text += QStringLiteral("...");
    return QLatin1Char('\'') + text + QLatin1Char('\'');
}

bool isJsonWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool isAsciiDigit(char c)
{
    return c >= '0' && c <= '9';
}

// Just enough of a JSON reader to find the tokens of the top-level members of an object. The top
// level is parsed strictly; nested containers are skipped by bracket matching (strings aware), as
// the HTTP layer has validated the whole document with QJsonDocument before. Iterative, so a
// deeply nested body cannot exhaust the stack.
class TopLevelScanner
{
public:
    explicit TopLevelScanner(QByteArrayView text)
        : m_text(text)
    { }

    /// Calls @p member(name, token) for every top-level member, in document order.
    template<typename Member> void scan(Member member)
    {
        if (m_text.startsWith("\xEF\xBB\xBF")) // QJsonDocument accepts a UTF-8 BOM, so do we
            m_pos = 3;
        skipWhitespace();
        expect('{');
        skipWhitespace();
        if (peek() == '}') {
            ++m_pos;
        } else {
            for (;;) {
                skipWhitespace();
                if (peek() != '"')
                    fail("a member name");
                const QString key = readString();
                skipWhitespace();
                expect(':');
                skipWhitespace();
                member(key, skipValue());
                skipWhitespace();
                if (peek() == ',') {
                    ++m_pos;
                    continue;
                }
                expect('}');
                break;
            }
        }
        skipWhitespace();
        if (m_pos != m_text.size())
            fail("the end of the document");
    }

private:
    [[noreturn]] void fail(const char *expected) const
    {
        throw Error(ErrorCode::MalformedJson,
                    QStringLiteral("JSON scan: expected %1 at offset %2")
                        .arg(QLatin1String(expected))
                        .arg(m_pos));
    }

    char peek() const { return m_pos < m_text.size() ? m_text.at(m_pos) : '\0'; }

    void expect(char c)
    {
        if (m_pos >= m_text.size() || m_text.at(m_pos) != c) {
            const char expected[] = {'\'', c, '\'', '\0'};
            fail(expected);
        }
        ++m_pos;
    }

    void skipWhitespace()
    {
        while (m_pos < m_text.size() && isJsonWhitespace(m_text.at(m_pos)))
            ++m_pos;
    }

    int hexDigit(char c) const
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        fail("a hex digit");
    }

    // Reads the string at m_pos (on its opening quote) and decodes it, so that a key spelled with
    // escapes ("am\u006fount") is still recognised: QJsonDocument decodes it too.
    QString readString()
    {
        expect('"');
        QString decoded;
        bool escaped = false;
        qsizetype runStart = m_pos;
        const auto flushRun = [&] {
            decoded += m_utf8.decode(m_text.sliced(runStart, m_pos - runStart));
        };
        for (;;) {
            if (m_pos >= m_text.size())
                fail("'\"'");
            const char c = m_text.at(m_pos);
            if (c == '"') {
                flushRun();
                ++m_pos;
                // As QJsonDocument does: it gives a string without escapes to QString::fromUtf8,
                // which drops one leading U+FEFF, and keeps every U+FEFF of a string with escapes.
                // Decoding each run with fromUtf8 dropped the one after an escape too, so that
                // "\u0061<U+FEFF>mount" was read as `amount`, which QJsonDocument does not have.
                if (!escaped && decoded.startsWith(QChar(0xFEFF)))
                    decoded.remove(0, 1);
                return decoded;
            }
            if (static_cast<unsigned char>(c) < 0x20)
                fail("no control character in a string");
            if (c != '\\') {
                ++m_pos;
                continue;
            }
            flushRun();
            escaped = true;
            ++m_pos;
            if (m_pos >= m_text.size())
                fail("an escape");
            const char escape = m_text.at(m_pos++);
            switch (escape) {
            case '"':
            case '\\':
            case '/':
                decoded += QLatin1Char(escape);
                break;
            case 'b':
                decoded += QLatin1Char('\b');
                break;
            case 'f':
                decoded += QLatin1Char('\f');
                break;
            case 'n':
                decoded += QLatin1Char('\n');
                break;
            case 'r':
                decoded += QLatin1Char('\r');
                break;
            case 't':
                decoded += QLatin1Char('\t');
                break;
            case 'u': {
                if (m_text.size() - m_pos < 4)
                    fail("four hex digits");
                char16_t unit = 0;
                for (int i = 0; i < 4; ++i)
                    unit = static_cast<char16_t>(unit * 16 + hexDigit(m_text.at(m_pos++)));
                decoded += QChar(unit); // surrogate halves pair up in UTF-16 by themselves
                break;
            }
            default:
                fail("a valid escape");
            }
            runStart = m_pos;
        }
    }

    QByteArrayView skipValue()
    {
        const qsizetype start = m_pos;
        const char first = peek();
        if (first == '"') {
            readString();
        } else if (first == '{' || first == '[') {
            skipContainer();
        } else {
            while (m_pos < m_text.size()) {
                const char c = m_text.at(m_pos);
                if (isJsonWhitespace(c) || c == ',' || c == '}' || c == ']' || c == ':' || c == '"'
                    || c == '{' || c == '[')
                    break;
                ++m_pos;
            }
            if (m_pos == start)
                fail("a value");
        }
        return m_text.sliced(start, m_pos - start);
    }

    void skipContainer()
    {
        std::vector<char> closers;
        do {
            if (m_pos >= m_text.size())
                fail("the end of a nested value");
            const char c = m_text.at(m_pos);
            if (c == '"') {
                readString();
                continue;
            }
            if (c == '{') {
                closers.push_back('}');
            } else if (c == '[') {
                closers.push_back(']');
            } else if (c == '}' || c == ']') {
                if (closers.empty() || closers.back() != c)
                    fail("matching brackets");
                closers.pop_back();
            }
            ++m_pos;
        } while (!closers.empty());
    }

    QByteArrayView m_text;
    qsizetype m_pos = 0;
    QStringDecoder m_utf8 {QStringDecoder::Utf8,
                           QStringDecoder::Flag::Stateless
                               | QStringDecoder::Flag::ConvertInitialBom};
};

} // namespace

qint64 checkedAmount(qint64 cents)
{
    if (cents < MinAmount)
        rejectAmount(QStringLiteral("%1 is below the minimum %2").arg(cents).arg(MinAmount));
    if (cents > MaxAmount)
        rejectAmount(QStringLiteral("%1 is above the maximum %2").arg(cents).arg(MaxAmount));
    return cents;
}

qint64 amountFromJsonToken(QByteArrayView token)
{
    if (token.isEmpty())
        rejectAmount(QStringLiteral("empty value"));
    switch (token.front()) {
    case '"':
        rejectAmount(QStringLiteral("a string, not a number: ") + quoted(token));
    case 't':
    case 'f':
        rejectAmount(QStringLiteral("a boolean, not a number: ") + quoted(token));
    case 'n':
        rejectAmount(QStringLiteral("null, not a number"));
    case '{':
        rejectAmount(QStringLiteral("an object, not a number"));
    case '[':
        rejectAmount(QStringLiteral("an array, not a number"));
    case '-':
    case '+':
        // "-0" lands here too: a signed zero is not a plain positive integer either.
        rejectAmount(QStringLiteral("a signed number: ") + quoted(token));
    default:
        break;
    }
    for (const char c : token) {
        if (c == '.' || c == 'e' || c == 'E')
            rejectAmount(QStringLiteral("not an integer literal (fraction or exponent): ")
                         + quoted(token));
        if (!isAsciiDigit(c))
            rejectAmount(QStringLiteral("not a number: ") + quoted(token));
    }
    if (token.front() == '0') {
        if (token.size() == 1)
            rejectAmount(QStringLiteral("zero"));
        rejectAmount(QStringLiteral("leading zero: ") + quoted(token));
    }
    // Any literal longer than the maximum's nine digits is out of range; checking the length first
    // also keeps the conversion below free of overflow.
    constexpr qsizetype MaxDigits = 9;
    if (token.size() > MaxDigits)
        rejectAmount(QStringLiteral("above the maximum %1: ").arg(MaxAmount) + quoted(token));
    qint64 value = 0;
    for (const char c : token)
        value = value * 10 + (c - '0');
    return checkedAmount(value);
}

qint64 amountFromJsonBody(QByteArrayView body, QStringView field)
{
    const QByteArrayList tokens = rawJsonMembers(body, field);
    if (tokens.isEmpty())
        rejectAmount(QStringLiteral("member '%1' is missing").arg(field));
    if (tokens.size() > 1) {
        // QJsonDocument silently keeps the last of duplicate keys; a signature could have been
        // computed over either. Ambiguous money is refused.
        rejectAmount(QStringLiteral("member '%1' appears %2 times").arg(field).arg(tokens.size()));
    }
    return amountFromJsonToken(tokens.front());
}

qint64 amountFromJsonValue(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Undefined:
        rejectAmount(QStringLiteral("missing"));
    case QJsonValue::Null:
        rejectAmount(QStringLiteral("null, not a number"));
    case QJsonValue::Bool:
        rejectAmount(QStringLiteral("a boolean, not a number"));
    case QJsonValue::String:
        rejectAmount(QStringLiteral("a string, not a number: ")
                     + quoted(value.toString().toUtf8()));
    case QJsonValue::Array:
        rejectAmount(QStringLiteral("an array, not a number"));
    case QJsonValue::Object:
        rejectAmount(QStringLiteral("an object, not a number"));
    case QJsonValue::Double:
        break;
    }
    // Qt keeps a number as a 64-bit integer whenever it is integral and fits (even 12.0, 1e2 or
    // QJsonValue(100.0)); what remains a double is a fraction or beyond qint64. Neither is money.
    const QVariant number = value.toVariant();
    if (number.typeId() != QMetaType::LongLong)
        rejectAmount(
            QStringLiteral("a floating-point value: %1").arg(value.toDouble(), 0, 'g', 17));
    return checkedAmount(number.toLongLong());
}

QByteArrayList rawJsonMembers(QByteArrayView body, QStringView name)
{
    QByteArrayList found;
    TopLevelScanner(body).scan([&](const QString &key, QByteArrayView token) {
        if (key == name)
            found.append(token.toByteArray());
    });
    return found;
}

QStringList rawJsonMemberNames(QByteArrayView body)
{
    QStringList names;
    TopLevelScanner(body).scan([&](const QString &key, QByteArrayView) { names.append(key); });
    return names;
}

QString formatYuan(qint64 cents)
{
    // Through quint64 so that the most negative qint64 has a magnitude too.
    const bool negative = cents < 0;
    const quint64 magnitude =
        negative ? 0 - static_cast<quint64>(cents) : static_cast<quint64>(cents);
    const QString text =
        QStringLiteral("%1.%2").arg(magnitude / 100).arg(magnitude % 100, 2, 10, QLatin1Char('0'));
    return negative ? QString(QLatin1Char('-') + text) : text;
}

} // namespace pomelo
