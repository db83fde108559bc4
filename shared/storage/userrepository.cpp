#include "userrepository.h"

#include "sql_p.h"

namespace pomelo {

using storage_detail::Statement;

namespace {

const QString Select = QStringLiteral(
    "SELECT id, open_id, student_id, name, phone, created_at, updated_at FROM users ");

User userFrom(const Statement &st)
{
    User u;
    u.id = st.int64(0);
    u.openId = st.text(1);
    u.studentId = st.text(2);
    u.name = st.text(3);
    u.phone = st.text(4);
    u.createdAt = st.int64(5);
    u.updatedAt = st.int64(6);
    return u;
}

} // namespace

std::optional<User> UserRepository::find(qint64 id) const
{
    Statement st(m_db.threadConnection(), Select + QStringLiteral("WHERE id = ?"));
    st.bind(id).exec();
    if (!st.next())
        return std::nullopt;
    return userFrom(st);
}

std::optional<User> UserRepository::findByOpenId(const QString &openId) const
{
    Statement st(m_db.threadConnection(), Select + QStringLiteral("WHERE open_id = ?"));
    st.bind(openId).exec();
    if (!st.next())
        return std::nullopt;
    return userFrom(st);
}

User UserRepository::findOrCreate(const QString &openId, qint64 now)
{
    if (auto existing = findByOpenId(openId))
        return *existing;
    if (!now)
        now = nowMs();
    m_db.transact([&](Transaction &tx) {
        // Two first logins at once: one inserts, the other does nothing; both read the row.
        Statement(tx,
                  QStringLiteral("INSERT INTO users (open_id, created_at, updated_at) "
                                 "VALUES (?, ?, ?) ON CONFLICT (open_id) DO NOTHING"))
            .bind(openId)
            .bind(now)
            .bind(now)
            .exec();
    });
    if (auto created = findByOpenId(openId))
        return *created;
    throw Error(ErrorCode::Internal, QStringLiteral("user row missing after insert"));
}

bool UserRepository::updateProfile(Transaction &tx, qint64 id, const QString &studentId,
                                   const QString &name, const QString &phone, qint64 now)
{
    Statement st(tx,
                 QStringLiteral("UPDATE users SET student_id = ?, name = ?, phone = ?, "
                                "updated_at = ? WHERE id = ?"));
    st.bindNullable(studentId)
        .bindNullable(name)
        .bindNullable(phone)
        .bind(now ? now : nowMs())
        .bind(id)
        .exec();
    return st.rowsAffected() == 1;
}

} // namespace pomelo
