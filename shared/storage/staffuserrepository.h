#pragma once

#include "database.h"

#include <QList>
#include <QString>

#include <optional>

namespace pomelo {

enum class StaffRole { Staff, Admin };

/// "staff", "admin".
QString staffRoleName(StaffRole role);
std::optional<StaffRole> staffRoleFromName(QStringView name);

/// A console user (venue staff or admin).
struct StaffUser
{
    qint64 id = 0;
    QString username;
    QString
        passwordHash; ///< crypto::hashPassword() form (or the former PBKDF2); never the password
    StaffRole role = StaffRole::Staff;
    bool disabled = false;
    qint64 createdAt = 0; ///< Unix ms; 0 = now on insert
    qint64 updatedAt = 0;
    std::optional<qint64> lastLoginAt;
};

class StaffUserRepository
{
public:
    explicit StaffUserRepository(Database &db)
        : m_db(db)
    { }

    /// Returns the new id; nullopt when the username is taken (nothing written).
    std::optional<qint64> insert(Transaction &tx, const StaffUser &user);
    std::optional<StaffUser> find(qint64 id) const;
    std::optional<StaffUser> findByUsername(const QString &username) const;
    /// By username.
    QList<StaffUser> list() const;
    qint64 count() const;
    /// How many enabled admins there are (the first start creates one when there is none).
    qint64 countAdmins() const;

    bool setPasswordHash(Transaction &tx, qint64 id, const QString &hash, qint64 now = 0);
    /// The same password in a new hash (an upgrade at login): written only while the stored hash
    /// is still @p expected, so that a password changed meanwhile is never overwritten by the old
    /// one's. updated_at is left alone: the user did not change. False when nothing was written.
    bool replacePasswordHash(Transaction &tx, qint64 id, const QString &expected,
                             const QString &hash);
    bool setDisabled(Transaction &tx, qint64 id, bool disabled, qint64 now = 0);
    bool setRole(Transaction &tx, qint64 id, StaffRole role, qint64 now = 0);
    /// Own short transaction: a login should not wait for anything else.
    bool recordLogin(qint64 id, qint64 now = 0);

private:
    Database &m_db;
};

} // namespace pomelo
