#include "channels/utilityprotocol.h"

#include <QRegularExpression>

namespace pomelo::utility {

QString retmsgOf(const QString &code)
{
    struct Entry
    {
        QLatin1String code;
        const char16_t *message;
    };
    static const Entry table[] = {
        {retcode::success, u"成功"},
        {retcode::invalidParameter, u"参数错误"},
        {retcode::signError, u"签名错误"},
        {retcode::timestampExpired, u"请求已过期或重复"},
        {retcode::roomNotFound, u"房间不存在"},
        {retcode::roomClosed, u"房间已停用"},
        {retcode::accountFrozen, u"账户已冻结"},
        {retcode::amountInvalid, u"充值金额无效"},
        {retcode::serialReused, u"充值流水号重复"},
        {retcode::systemBusy, u"系统繁忙"},
    };
    for (const Entry &e : table) {
        if (code == e.code)
            return QString::fromUtf16(e.message);
    }
    return QStringLiteral("未知错误");
}

QLatin1String verdictRetcode(ecard::Verdict verdict)
{
    switch (verdict) {
    case ecard::Verdict::Ok:
        return retcode::success;
    case ecard::Verdict::Malformed:
        return retcode::invalidParameter;
    case ecard::Verdict::WrongPartner:
    case ecard::Verdict::BadSignature:
        return retcode::signError;
    case ecard::Verdict::Expired:
        return retcode::timestampExpired;
    }
    return retcode::systemBusy;
}

bool isValidRoomId(const QString &roomId)
{
    // Per thread: both sides call this from several threads at once.
    thread_local const QRegularExpression re(QStringLiteral("^[A-Za-z0-9-]{1,32}$"));
    return re.match(roomId).hasMatch();
}

bool isValidSerial(const QString &serial)
{
    thread_local const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_-]{1,64}$"));
    return re.match(serial).hasMatch();
}

QString dayText(QDate day)
{
    return day.toString(Qt::ISODate);
}

QDate dayOf(qint64 unixSeconds)
{
    return QDateTime::fromSecsSinceEpoch(unixSeconds, Qt::OffsetFromUTC, DayOffsetSeconds).date();
}

bool NonceWindow::claim(const QString &nonce, qint64 nowSeconds)
{
    std::lock_guard lock(m_mutex);
    while (!m_queue.empty() && m_queue.front().first < nowSeconds - m_keepSeconds) {
        m_seen.remove(m_queue.front().second);
        m_queue.pop_front();
    }
    if (m_seen.contains(nonce))
        return false;
    m_seen.insert(nonce, nowSeconds);
    m_queue.emplace_back(nowSeconds, nonce);
    return true;
}

} // namespace pomelo::utility
