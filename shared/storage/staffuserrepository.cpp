#include "staffuserrepository.h"

#include "sql_p.h"

namespace pomelo {

using storage_detail::Statement;

namespace {

const QString Select = QStringLiteral("SELECT id, username, password_hash, role, disabled, "
                                      "created_at, updated_at, last_login_at FROM staff_users ");

StaffUser userFrom(const Statement &st)
{
    StaffUser u;
    u.id = st.int64(0);
    u.username = st.text(1);
    u.passwordHash = st.text(2);
    const auto role = staffRoleFromName(st.text(3));
    if (!role)
        throw Error(ErrorCode::Internal, QStringLiteral("unknown staff role: ") + st.text(3));
    u.role = *role;
    u.disabled = st.boolean(4);
    u.createdAt = st.int64(5);
    u.updatedAt = st.int64(6);
    u.lastLoginAt = st.optionalInt64(7);
    return u;
}

} // namespace

QString staffRoleName(StaffRole role)
{
    return role == StaffRole::Admin ? QStringLiteral("admin") : QStringLiteral("staff");
}

std::optional<StaffRole> staffRoleFromName(QStringView name)
{
    if (name == u"admin")
        return StaffRole::Admin;
    if (name == u"staff")
        return StaffRole::Staff;
    return std::nullopt;
}

std::optional<qint64> StaffUserRepository::insert(Transaction &tx, const StaffUser &u)
{
    const qint64 created = u.createdAt ? u.createdAt : nowMs();
    Statement st(tx,
                 QStringLiteral("INSERT INTO staff_users (username, password_hash, role, "
                                "disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                                "ON CONFLICT (username) DO NOTHING RETURNING id"));
    st.bind(u.username)
        .bind(u.passwordHash)
        .bind(staffRoleName(u.role))
        .bind(u.disabled)
        .bind(created)
        .bind(u.updatedAt ? u.updatedAt : created)
        .exec();
    if (!st.next())
        return std::nullopt;
    return st.int64(0);
}

std::optional<StaffUser> StaffUserRepository::find(qint64 id) const
{
    Statement st(m_db.threadConnection(), Select + QStringLiteral("WHERE id = ?"));
    st.bind(id).exec();
    if (!st.next())
        return std::nullopt;
    return userFrom(st);
}

std::optional<StaffUser> StaffUserRepository::findByUsername(const QString &username) const
{
    Statement st(m_db.threadConnection(), Select + QStringLiteral("WHERE username = ?"));
    st.bind(username).exec();
    if (!st.next())
        return std::nullopt;
    return userFrom(st);
}

QList<StaffUser> StaffUserRepository::list() const
{
    Statement st(m_db.threadConnection(), Select + QStringLiteral("ORDER BY username"));
    st.exec();
    QList<StaffUser> rows;
    while (st.next())
        rows.append(userFrom(st));
    return rows;
}

qint64 StaffUserRepository::count() const
{
    Statement st(m_db.threadConnection(), QStringLiteral("SELECT COUNT(*) FROM staff_users"));
    st.exec();
    return st.next() ? st.int64(0) : 0;
}

qint64 StaffUserRepository::countAdmins() const
{
    Statement st(
        m_db.threadConnection(),
        QStringLiteral("SELECT COUNT(*) FROM staff_users WHERE role = 'admin' AND NOT disabled"));
    st.exec();
    return st.next() ? st.int64(0) : 0;
}

bool StaffUserRepository::setPasswordHash(Transaction &tx, qint64 id, const QString &hash,
                                          qint64 now)
{
    Statement st(
        tx,
        QStringLiteral("UPDATE staff_users SET password_hash = ?, updated_at = ? WHERE id = ?"));
    st.bind(hash).bind(now ? now : nowMs()).bind(id).exec();
    return st.rowsAffected() == 1;
}

bool StaffUserRepository::replacePasswordHash(Transaction &tx, qint64 id, const QString &expected,
                                              const QString &hash)
{
    Statement st(
        tx,
        QStringLiteral(
            "UPDATE staff_users SET password_hash = ? WHERE id = ? AND password_hash = ?"));
    st.bind(hash).bind(id).bind(expected).exec();
    return st.rowsAffected() == 1;
}

bool StaffUserRepository::setDisabled(Transaction &tx, qint64 id, bool disabled, qint64 now)
{
    Statement st(
        tx, QStringLiteral("UPDATE staff_users SET disabled = ?, updated_at = ? WHERE id = ?"));
    st.bind(disabled).bind(now ? now : nowMs()).bind(id).exec();
    return st.rowsAffected() == 1;
}

bool StaffUserRepository::setRole(Transaction &tx, qint64 id, StaffRole role, qint64 now)
{
    Statement st(tx,
                 QStringLiteral("UPDATE staff_users SET role = ?, updated_at = ? WHERE id = ?"));
    st.bind(staffRoleName(role)).bind(now ? now : nowMs()).bind(id).exec();
    return st.rowsAffected() == 1;
}

bool StaffUserRepository::recordLogin(qint64 id, qint64 now)
{
    return m_db.transact([&](Transaction &tx) {
        Statement st(tx, QStringLiteral("UPDATE staff_users SET last_login_at = ? WHERE id = ?"));
        st.bind(now ? now : nowMs()).bind(id).exec();
        return st.rowsAffected() == 1;
    });
}

} // namespace pomelo
