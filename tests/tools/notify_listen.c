/*
 * notify_listen: a small desktop notification server for the tests. It owns
 * org.freedesktop.Notifications on the session bus (DBUS_SESSION_BUS_ADDRESS), answers Notify,
 * GetCapabilities, GetServerInformation and CloseNotification, and prints one JSON line per
 * notification to stdout: {"id","app_name","replaces_id","app_icon","summary","body","actions",
 * "urgency","expire_timeout","sender"}. Once it owns the name it prints "ready" to stderr. It runs
 * until SIGTERM or SIGINT, or until the bus goes away (exit 1).
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

static volatile sig_atomic_t notify_listen_stop;
static uint32_t notify_listen_next_id = 1;

static void notify_listen_on_signal(int sig)
{
    (void)sig;
    notify_listen_stop = 1;
}

/* The hints dictionary a{sv}: urgency (a byte) goes into o, the rest is skipped. */
static int notify_listen_hints(sd_bus_message *m, json_t *o)
{
    const char *key, *contents;
    char type;
    uint8_t urgency;
    int r;

    r = sd_bus_message_enter_container(m, 'a', "{sv}");
    if (r < 0)
        return r;
    for (;;) {
        r = sd_bus_message_enter_container(m, 'e', "sv");
        if (r <= 0)
            break;
        r = sd_bus_message_read(m, "s", &key);
        if (r < 0)
            return r;
        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
            return r;
        if (strcmp(key, "urgency") == 0 && contents != NULL && strcmp(contents, "y") == 0) {
            r = sd_bus_message_read(m, "v", "y", &urgency);
            json_object_set_new(o, "urgency", json_integer(urgency));
        } else {
            r = sd_bus_message_skip(m, "v");
        }
        if (r < 0)
            return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
            return r;
    }
    if (r < 0)
        return r;
    return sd_bus_message_exit_container(m);
}

static int notify_listen_notify(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    const char *app, *icon, *summary, *body, *action;
    uint32_t replaces, id;
    int32_t expire;
    json_t *o = json_object(), *actions = json_array();
    int r;

    (void)userdata;
    (void)error;
    r = sd_bus_message_read(m, "susss", &app, &replaces, &icon, &summary, &body);
    if (r < 0)
        goto out;
    r = sd_bus_message_enter_container(m, 'a', "s");
    if (r < 0)
        goto out;
    while ((r = sd_bus_message_read(m, "s", &action)) > 0)
        json_array_append_new(actions, json_string(action));
    if (r < 0)
        goto out;
    r = sd_bus_message_exit_container(m);
    if (r < 0)
        goto out;
    json_object_set_new(o, "urgency", json_null());
    r = notify_listen_hints(m, o);
    if (r < 0)
        goto out;
    r = sd_bus_message_read(m, "i", &expire);
    if (r < 0)
        goto out;
    id = notify_listen_next_id++;
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "app_name", json_string(app));
    json_object_set_new(o, "replaces_id", json_integer(replaces));
    json_object_set_new(o, "app_icon", json_string(icon));
    json_object_set_new(o, "summary", json_string(summary));
    json_object_set_new(o, "body", json_string(body));
    json_object_set_new(o, "actions", actions);
    actions = NULL;
    json_object_set_new(o, "expire_timeout", json_integer(expire));
    json_object_set_new(o, "sender", json_string(sd_bus_message_get_sender(m)));
    json_dumpf(o, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    fflush(stdout);
    r = sd_bus_reply_method_return(m, "u", id);
out:
    if (r < 0)
        fprintf(stderr, "notify_listen: bad Notify call: %s\n", strerror(-r));
    json_decref(actions);
    json_decref(o);
    return r;
}

static int notify_listen_caps(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    (void)userdata;
    (void)error;
    return sd_bus_reply_method_return(m, "as", 2, "body", "body-markup");
}

static int notify_listen_info(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    (void)userdata;
    (void)error;
    return sd_bus_reply_method_return(m, "ssss", "notify_listen", "lore tests", "1", "1.2");
}

static int notify_listen_close(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    (void)userdata;
    (void)error;
    return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable notify_listen_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Notify", "susssasa{sv}i", "u", notify_listen_notify, 0),
    SD_BUS_METHOD("GetCapabilities", "", "as", notify_listen_caps, 0),
    SD_BUS_METHOD("GetServerInformation", "", "ssss", notify_listen_info, 0),
    SD_BUS_METHOD("CloseNotification", "u", "", notify_listen_close, 0),
    SD_BUS_VTABLE_END};

int main(void)
{
    sd_bus *bus = NULL;
    sd_bus_slot *slot = NULL;
    struct sigaction sa;
    int r, rc = 1;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = notify_listen_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    r = sd_bus_open_user(&bus);
    if (r < 0) {
        fprintf(stderr, "notify_listen: no session bus: %s\n", strerror(-r));
        goto out;
    }
    r = sd_bus_add_object_vtable(bus, &slot, "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications", notify_listen_vtable, NULL);
    if (r < 0) {
        fprintf(stderr, "notify_listen: cannot add the object: %s\n", strerror(-r));
        goto out;
    }
    r = sd_bus_request_name(bus, "org.freedesktop.Notifications", 0);
    if (r < 0) {
        fprintf(stderr, "notify_listen: cannot own org.freedesktop.Notifications: %s\n",
                strerror(-r));
        goto out;
    }
    fprintf(stderr, "ready\n");
    while (!notify_listen_stop) {
        r = sd_bus_process(bus, NULL);
        if (r < 0) {
            fprintf(stderr, "notify_listen: the bus went away: %s\n", strerror(-r));
            goto out;
        }
        if (r > 0)
            continue;
        r = sd_bus_wait(bus, UINT64_MAX);
        if (r < 0 && r != -EINTR) {
            fprintf(stderr, "notify_listen: wait: %s\n", strerror(-r));
            goto out;
        }
    }
    rc = 0;
out:
    sd_bus_slot_unref(slot);
    sd_bus_flush_close_unref(bus);
    return rc;
}
