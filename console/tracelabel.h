#pragma once

#include <QUrl>
#include <QWidget>

#include <functional>

class QAction;
class QLabel;

namespace pomelo::console {

/// The trace id of what the console shows (an order's detail): a link into the trace viewer when
/// the server names one (`telemetry.trace_url_template`, from the login answer), and always a
/// "copy" action that puts the id on the clipboard, so that it can be pasted into any viewer.
class TraceLabel : public QWidget
{
    Q_OBJECT

public:
    /// Opens a URL; QDesktopServices::openUrl by default, replaced in tests so that no browser
    /// starts.
    using UrlOpener = std::function<bool(const QUrl &)>;

    explicit TraceLabel(QWidget *parent = nullptr);

    /// Shows @p traceId, linked to @p urlTemplate with the id in place of `{traceId}` when the
    /// template is set; an empty id hides the label.
    void setTrace(const QString &traceId, const QString &urlTemplate);
    QString traceId() const { return m_traceId; }
    /// The trace viewer's URL of the shown id; empty without a template (or an id).
    QUrl url() const { return m_url; }
    QLabel *label() const { return m_label; }
    QAction *copyAction() const { return m_copyAction; }
    void setUrlOpener(UrlOpener opener) { m_opener = std::move(opener); }

    /// @p urlTemplate with @p traceId in place of `{traceId}`; empty when either is empty.
    static QUrl traceUrl(const QString &urlTemplate, const QString &traceId);

private:
    void copy();

    QLabel *m_label;
    QAction *m_copyAction;
    QString m_traceId;
    QUrl m_url;
    UrlOpener m_opener;
};

} // namespace pomelo::console
