#pragma once

#include <QDateTime>
#include <QMap>
#include <QWidget>

namespace pomelo::console {

/// Orders per minute over the last hour as bars, drawn with QPainter (no QtCharts dependency).
class RateChart : public QWidget
{
    Q_OBJECT

public:
    explicit RateChart(QWidget *parent = nullptr);

    /// Replaces the counts with the creation times @p times (the last hour is kept).
    void setTimes(const QList<QDateTime> &times);
    /// Counts one more event at @p time.
    void add(const QDateTime &time);
    int total() const;

    QSize sizeHint() const override { return {480, 180}; }
    QSize minimumSizeHint() const override { return {240, 120}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    static qint64 minuteOf(const QDateTime &t) { return t.toSecsSinceEpoch() / 60; }
    void prune();

    QMap<qint64, int> m_perMinute; ///< minute since epoch → count
};

} // namespace pomelo::console
