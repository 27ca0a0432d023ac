#include "lib/store_memory.h"

#include <map>
#include <mutex>

namespace qs {

namespace {

class MemoryStore final : public Store {
public:
    StoreResult get(std::string_view key, std::string& value) override
    {
        std::lock_guard hold(mutex_);
        if (!valid_key(key)) return StoreResult::fault;
        auto it = entries_.find(std::string(key));
        if (it == entries_.end()) return StoreResult::absent;
        value = it->second;
        return StoreResult::ok;
    }

    StoreResult put(std::string_view key, std::string_view value, long) override
    {
        std::lock_guard hold(mutex_);
        if (!valid_key(key) || !valid_value(value)) return StoreResult::fault;
        entries_[std::string(key)] = value;
        return StoreResult::ok;
    }

    StoreResult remove(std::string_view key) override
    {
        std::lock_guard hold(mutex_);
        if (!valid_key(key)) return StoreResult::fault;
        return entries_.erase(std::string(key)) ? StoreResult::ok : StoreResult::absent;
    }

    StoreResult update(std::string_view key,
                       const std::function<StoreChange(const std::string* current)>& fn) override
    {
        std::lock_guard hold(mutex_);
        if (!valid_key(key)) return StoreResult::fault;
        auto it = entries_.find(std::string(key));
        StoreChange change = fn(it == entries_.end() ? nullptr : &it->second);
        switch (change.action) {
        case StoreChange::keep: return it == entries_.end() ? StoreResult::absent : StoreResult::ok;
        case StoreChange::replace:
            if (!valid_value(change.value)) return StoreResult::fault;
            entries_[std::string(key)] = std::move(change.value);
            return StoreResult::ok;
        case StoreChange::erase:
            if (it == entries_.end()) return StoreResult::absent;
            entries_.erase(it);
            return StoreResult::ok;
        }
        return StoreResult::fault;
    }

    StoreResult scan(const std::function<void(std::string_view key, std::string_view value)>& fn) override
    {
        // a copy, so that fn may call back into the store
        std::map<std::string, std::string> copy;
        {
            std::lock_guard hold(mutex_);
            copy = entries_;
        }
        for (const auto& [key, value] : copy) fn(key, value);
        return StoreResult::ok;
    }

    StoreResult sweep_leftovers(long) override { return StoreResult::ok; }

private:
    bool valid_key(std::string_view key)
    {
        if (!key.empty() && key.size() <= max_key) return true;
        error_ = "store: empty or overlong key";
        return false;
    }

    bool valid_value(std::string_view value)
    {
        if (value.size() <= max_value) return true;
        error_ = "store: value too long";
        return false;
    }

    std::mutex mutex_;
    std::map<std::string, std::string> entries_;
};

} // namespace

std::unique_ptr<Store> open_memory_store() { return std::make_unique<MemoryStore>(); }

} // namespace qs
