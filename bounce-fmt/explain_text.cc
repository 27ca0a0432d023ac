// What the customer reads: per reason class the cause and the next step,
// in English and Japanese, in the spirit of the hosting FAQ's question 5
// (doc/reference/faq.md): check the part before @, check the domain, try again
// later; a notice from another server came from the recipient's side.
#include "bounce-fmt/explain.h"

#include <cstdint>

namespace qs::bounce::explain {

namespace {

struct Words {
    std::string_view label;
    std::string_view cause_and_step;
};

// Indexed by Class, in its order.
constexpr Words english[] = {
    {"user unknown",
     "The recipient's mail server says there is no mailbox of that name: the part before @ "
     "is probably wrong. Check the spelling of the part before @ (or ask the recipient for the "
     "right address) and send the message again."},
    {"host unknown",
     "The domain of the address (the part after @) could not be found, or it does not receive "
     "mail. Check the spelling of the part after @ and send the message again."},
    {"mailbox full",
     "The recipient's mailbox is full. Let the recipient know in another way (by telephone or "
     "another address), or send the message again later, once the recipient has made room."},
    {"policy or spam rejection",
     "The recipient's mail server refused the message by its own rules: for example it took the "
     "message for spam, or it does not accept mail from your address or from this server. Check "
     "the message for unusual links or attachments, and ask the recipient in another way to "
     "accept your mail. If many recipients refuse your mail, ask your mail administrator."},
    {"DMARC/SPF/authentication",
     "The recipient's mail server refused the message because it could not confirm that the "
     "message really comes from your domain (SPF, DKIM or DMARC), or because it wants the sender "
     "to log in (SMTP AUTH). Send from your own address through this server with SMTP AUTH "
     "enabled in your mail program. If that does not help, ask the administrator of your domain "
     "to check its SPF, DKIM and DMARC records."},
    {"message too large",
     "The message is larger than the recipient's mail server accepts. Make the attachments "
     "smaller (compress them, or share them with a download link) or send them in several "
     "messages."},
    {"remote server not answering or timeout",
     "The recipient's mail server did not answer, or could not be reached in time. This is "
     "often temporary (the server was busy or down): wait a while and send the message again. If "
     "it keeps happening, ask the recipient in another way whether the address still works."},
    {"other",
     "The message could not be delivered, for a reason not recognised here. Read the server's "
     "own words below; if they do not help, ask the recipient, or bring this notice to your mail "
     "administrator."},
};

constexpr Words japanese[] = {
    {"ユーザー名(@より前)の誤り",
     "相手先のメールサーバーから、その名前のメールボックスは存在しないと返されました。"
     "宛先アドレスの@より前(ユーザー名)が間違っている可能性があります。"
     "@より前の綴りをご確認のうえ(わからない場合は相手の方に正しいアドレスをお尋ねのうえ)、"
     "再度送信してください。"},
    {"ドメイン名(@より後)の誤り",
     "宛先アドレスの@より後(ドメイン名)が見つからないか、そのドメインはメールを受け付けていません。"
     "@より後の綴りをご確認のうえ、再度送信してください。"},
    {"メールボックスの容量超過",
     "相手の方のメールボックスが容量の上限に達しているため、配送できませんでした。"
     "お電話や別のアドレスなど他の方法で相手の方にお知らせいただくか、"
     "相手の方が容量を空けたころに再度送信してください。"},
    {"ポリシー・迷惑メール判定による拒否",
     "相手先のメールサーバーが、独自の規則により受信を拒否しました。"
     "たとえば迷惑メール(スパム)と判定された、またはお客様のアドレスやこのサーバーからのメールを"
     "受け付けない設定になっている場合です。本文のリンクや添付ファイルに不審な点がないかご確認のうえ、"
     "他の方法で相手の方に受信の設定をご依頼ください。多くの宛先で拒否される場合は、"
     "メールサーバーの管理者にご相談ください。"},
    {"DMARC・SPF・送信認証",
     "相手先のメールサーバーが、このメールが本当にお客様のドメインから送られたものか確認できなかった"
     "(SPF・DKIM・DMARC の検証に失敗した)か、送信者の認証(SMTP-AUTH)を求めているため、"
     "受信を拒否しました。メールソフトで SMTP-AUTH を有効にし、ご自身のアドレスからこのサーバー経由で"
     "送信してください。解決しない場合は、ドメインの管理者に SPF・DKIM・DMARC の設定の確認を"
     "ご依頼ください。"},
    {"メールサイズの超過",
     "メールのサイズが、相手先のメールサーバーが受け付ける上限を超えています。"
     "添付ファイルを小さくする(圧縮する、ダウンロード用のリンクで共有するなど)か、"
     "複数のメールに分けて送信してください。"},
    {"相手先サーバーの無応答・タイムアウト",
     "相手先のメールサーバーが応答しなかったか、時間内に接続できませんでした。"
     "相手先のサーバーが一時的に混み合っていた、または停止していた可能性があります。"
     "お時間を置いてから再送をお試しください。繰り返し発生する場合は、"
     "他の方法で相手の方にアドレスが使えるかご確認ください。"},
    {"その他",
     "配送できませんでしたが、原因をここでは分類できませんでした。"
     "下に示すサーバーのメッセージをご確認ください。わからない場合は相手の方、"
     "またはこの通知を添えてメールサーバーの管理者にご相談ください。"},
};

const Words& words(Class c, Language language)
{
    auto i = static_cast<std::size_t>(c);
    return language == Language::japanese ? japanese[i] : english[i];
}

// One sentence in both languages.
struct Sentence {
    std::string_view english;
    std::string_view japanese;
    std::string_view in(Language language) const { return language == Language::japanese ? japanese : english; }
};

constexpr Sentence temporary_sentence{
    "The error was temporary, but the sending server has given up: sending the "
    "message again later may work.",
    "エラーは一時的なものでしたが、送信側のサーバーは再送をあきらめました。"
    "時間を置いて再度送信すると届く場合があります。"};

constexpr Sentence double_bounce_sentence{
    "This is a double bounce: a failure notice this server sent to the original "
    "sender, this address, could not be delivered either. Most often the address "
    "is a forged sender of spam that does not exist; unless it is one of your own "
    "addresses, nothing needs to be done.",
    "これはダブルバウンスです。このサーバーが送ったエラー通知が、"
    "元の差出人であるこのアドレスにも届きませんでした。"
    "多くの場合、迷惑メールに偽って使われた、存在しない差出人アドレスです。"
    "お客様ご自身のアドレスでなければ、対応は不要です。"};

constexpr Sentence unreadable_sentence{
    "This message is not a failure notice in a format read here. If it is one, "
    "bring it to your mail administrator.\n",
    "このメールは、ここで読み取れる形式のエラー通知ではありません。"
    "エラー通知であれば、本文をメールサーバーの管理者にお送りください。\n"};

constexpr Sentence delay_sentence{
    "This is a delay warning, not a failure notice: the sending server is still "
    "trying to deliver the message, and it need not be sent again.\n",
    "これは配送遅延のお知らせで、エラー通知ではありません。"
    "送信側のサーバーが配送を続けていますので、再送の必要はありません。\n"};

std::string origin_text(Origin origin, std::string_view host, Language language)
{
    bool ja = language == Language::japanese;
    switch (origin) {
    case Origin::this_host:
        return ja ? "この通知は、このサーバー(" + std::string(host) + " の qmail-send)から送られたものです。"
                  : "This notice was sent by this server's qmail-send (" + std::string(host) + ").";
    case Origin::elsewhere:
        return ja ? "この通知はこのサーバーではなく、他のメールサーバー(通常は送信先の相手先サーバー)から"
                    "返信されたものです。詳しくは相手の方、またはその管理者にご確認ください。"
                  : "This notice did not come from this server but from another mail server "
                    "(usually the recipient's); the recipient, or their mail administrator, can "
                    "tell you more.";
    case Origin::unknown: break;
    }
    return "";
}

// Length of the valid UTF-8 sequence at s (1 to 4), 0 when invalid.
std::size_t utf8_length(std::string_view s)
{
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char c = b(0);
    if (c < 0x80) return 1;
    auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xc0) == 0x80; };
    if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (!cont(1) || !cont(2)) return 0;
        if (c == 0xe0 && b(1) < 0xa0) return 0;  // overlong
        if (c == 0xed && b(1) >= 0xa0) return 0; // surrogates
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xf0 && b(1) < 0x90) return 0;
        if (c == 0xf4 && b(1) >= 0x90) return 0;
        return 4;
    }
    return 0;
}

std::uint32_t code_point(std::string_view s, std::size_t n)
{
    auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i])); };
    if (n == 1) return b(0);
    if (n == 2) return ((b(0) & 0x1f) << 6) | (b(1) & 0x3f);
    if (n == 3) return ((b(0) & 0x0f) << 12) | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f);
    return ((b(0) & 0x07) << 18) | ((b(1) & 0x3f) << 12) | ((b(2) & 0x3f) << 6) | (b(3) & 0x3f);
}

bool hidden(std::uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x200e || cp == 0x200f || cp == 0x061c || cp == 0xfeff;
}

} // namespace

Language language_of(std::optional<std::string_view> lc_all,
                     std::optional<std::string_view> lc_messages,
                     std::optional<std::string_view> lang)
{
    for (auto v : {lc_all, lc_messages, lang})
        if (v && !v->empty()) return v->starts_with("ja") ? Language::japanese : Language::english;
    return Language::english;
}

std::string_view class_label(Class c, Language language) { return words(c, language).label; }

Explained explain(const Failed& failed, Format format, Origin origin, std::string_view host,
                  Language language)
{
    Explained e;
    e.failed = failed;
    e.cls = classify(failed.status, failed.diagnostic);
    e.permanent = permanent(failed.status);
    e.origin = origin;
    e.format = format;
    bool ja = language == Language::japanese;
    std::string& text = e.advice;
    // A double bounce is the postmaster's: the original sender's address
    // failed, and there is nothing to send again.
    if (format == Format::qmail_double) text = double_bounce_sentence.in(language);
    else text = words(e.cls, language).cause_and_step;
    if (!e.permanent && format != Format::qmail_double && e.cls != Class::timeout) {
        text += ja ? "" : " ";
        text += temporary_sentence.in(language);
    }
    e.origin_text = origin_text(origin, host, language);
    e.explanation = e.advice;
    if (!e.origin_text.empty()) {
        e.explanation += ja ? "" : " ";
        e.explanation += e.origin_text;
    }
    return e;
}

std::string text_block(const Explained& e, Language language)
{
    bool ja = language == Language::japanese;
    std::string out;
    out += ja ? "宛先: " : "Recipient: ";
    out += printable(e.failed.address);
    out += ja ? "\n状態コード: " : "\nStatus: ";
    out += printable(e.failed.status);
    if (ja) out += e.permanent ? "(恒久的なエラー)" : "(一時的なエラー)";
    else out += e.permanent ? " (permanent)" : " (temporary)";
    out += ja ? "\n原因: " : "\nReason: ";
    out += class_label(e.cls, language);
    out += ja ? "\n説明: " : "\nExplanation: ";
    out += e.advice;
    if (!e.failed.diagnostic.empty()) {
        out += ja ? "\nサーバーのメッセージ: " : "\nServer said: ";
        out += printable(e.failed.diagnostic.substr(0, 1000));
    }
    out += ja ? "\n通知について: " : "\nAbout this notice: ";
    if (e.origin == Origin::unknown)
        out += ja ? "不明(qmail の制御ファイルがありません)" : "unknown (no qmail control directory here)";
    else
        out += e.origin_text;
    out += "\n\n";
    return out;
}

std::string json_line(const Explained& e, std::string_view file)
{
    std::string out = "{";
    if (!file.empty()) out += "\"file\":" + json_string(file) + ",";
    out += "\"address\":" + json_string(e.failed.address);
    out += ",\"status\":" + json_string(e.failed.status);
    out += ",\"class\":\"" + std::string(class_name(e.cls)) + "\"";
    out += ",\"permanent\":";
    out += e.permanent ? "true" : "false";
    out += ",\"explanation\":" + json_string(e.explanation);
    out += ",\"from_this_host\":";
    out += e.origin == Origin::this_host ? "true" : e.origin == Origin::elsewhere ? "false" : "null";
    out += ",\"format\":\"" + std::string(format_name(e.format)) + "\"";
    out += ",\"diagnostic\":" + json_string(e.failed.diagnostic.substr(0, 1000));
    out += "}\n";
    return out;
}

std::string_view unreadable_text(Language language) { return unreadable_sentence.in(language); }

std::string_view delay_text(Language language) { return delay_sentence.in(language); }

std::string printable(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        std::size_t n = utf8_length(bytes.substr(i));
        if (n == 0) {
            out += "\xef\xbf\xbd";  // U+FFFD
            ++i;
            continue;
        }
        if (hidden(code_point(bytes.substr(i), n))) out += ' ';
        else out.append(bytes.substr(i, n));
        i += n;
    }
    return out;
}

std::string json_string(std::string_view bytes)
{
    std::string safe = printable(bytes);
    std::string out = "\"";
    for (char c : safe) {
        if (c == '"') out += "\\\"";
        else if (c == '\\') out += "\\\\";
        else out += c;  // printable() left no control characters
    }
    out += '"';
    return out;
}

} // namespace qs::bounce::explain
