#include "sandbox/sandboxcommon.h"

#include "domain/crypto.h"

#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <QJsonParseError>

namespace pomelo::sandbox {

qint64 nowSeconds()
{
    return QDateTime::currentSecsSinceEpoch();
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

std::optional<QJsonObject> jsonObjectBody(const QByteArray &body)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    return doc.object();
}

HttpResponse controlAnswer(int status, const QJsonObject &body)
{
    return HttpResponse::json(status, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

QString beijingSerialTime()
{
    return QDateTime::currentDateTimeUtc().toOffsetFromUtc(8 * 3600).toString(
        QStringLiteral("yyyyMMddHHmmss"));
}

QString randomDigits(int count)
{
    const QByteArray random = crypto::randomBytes(count);
    QString digits;
    digits.reserve(count);
    for (char c : random)
        digits += QChar(char16_t(u'0' + static_cast<unsigned char>(c) % 10));
    return digits;
}

QString noticeStateName(NoticeState state)
{
    switch (state) {
    case NoticeState::Pending:
        return QStringLiteral("PENDING");
    case NoticeState::Delivered:
        return QStringLiteral("DELIVERED");
    case NoticeState::Failed:
        return QStringLiteral("FAILED");
    }
    return {};
}

NoticeState noticeStateFromName(const QString &name)
{
    if (name == noticeStateName(NoticeState::Delivered))
        return NoticeState::Delivered;
    if (name == noticeStateName(NoticeState::Failed))
        return NoticeState::Failed;
    return NoticeState::Pending;
}

QString inStateDir(const QString &dir, const char *name)
{
    return dir.isEmpty() ? QString() : QDir(dir).filePath(QLatin1String(name));
}

} // namespace pomelo::sandbox
