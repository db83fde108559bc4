#pragma once

#include "database.h"

#include <QString>

#include <optional>

namespace pomelo {

/// A mini-program user, created at the first login (openId from WeChat's jscode2session).
struct User
{
    qint64 id = 0;
    QString openId;
    QString studentId; ///< empty until bound (PUT /me); needed for e-card payment
    QString name;
    QString phone;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
};

class UserRepository
{
public:
    explicit UserRepository(Database &db)
        : m_db(db)
    { }

    std::optional<User> find(qint64 id) const;
    std::optional<User> findByOpenId(const QString &openId) const;
    /// The user of @p openId, created (at @p now) if there is none yet. Safe when two logins of
    /// the same new user race: both get the same row.
    User findOrCreate(const QString &openId, qint64 now = 0);
    /// Sets studentId, name and phone; false if there is no such user.
    bool updateProfile(Transaction &tx, qint64 id, const QString &studentId, const QString &name,
                       const QString &phone, qint64 now = 0);

private:
    Database &m_db;
};

} // namespace pomelo
