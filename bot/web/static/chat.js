// The Wazi chat page: sends what the person types to /api/chat and shows the replies.
// Plain JavaScript for cheap phones: no libraries, no build step.
(function () {
  "use strict";

  var SENDER_KEY = "wazi.sender";
  var SENDER_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
  // The server waits up to 30 s for Rasa, then up to 20 s for each voice note it makes.
  var REQUEST_TIMEOUT_MS = 60000;
  var AUDIO_SOURCE = /^data:audio\/ogg;base64,[A-Za-z0-9+\/]+=*$/;

  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  // The page's own words, in the browser's language (bot/web/chat_page.py).
  var words = form.dataset;
  var input = document.getElementById("message");
  var sendButton = document.getElementById("send");
  var newConversation = document.getElementById("new-conversation");
  var endpoint = form.getAttribute("action");
  var busy = false;

  // A random version-4 UUID. crypto.randomUUID() only exists on https or localhost,
  // but phones on the local network reach this page over plain http.
  function newSenderId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16),
            hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function storeSender(id) {
    try {
      window.localStorage.setItem(SENDER_KEY, id);
    } catch (e) {
      // Storage can be off (private mode); the id then lasts as long as the page.
    }
    return id;
  }

  function loadSender() {
    var id = null;
    try {
      id = window.localStorage.getItem(SENDER_KEY);
    } catch (e) {
      id = null;
    }
    return id && SENDER_PATTERN.test(id) ? id : storeSender(newSenderId());
  }

  var sender = loadSender();

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function addLine(kind, text) {
    var line = document.createElement("div");
    line.className = "msg msg-" + kind;
    line.textContent = text; // newlines show through CSS white-space: pre-wrap
    log.appendChild(line);
    scrollToEnd();
    return line;
  }

  function addButtons(buttons) {
    var group = document.createElement("div");
    group.className = "msg-buttons";
    buttons.forEach(function (button) {
      if (!button || typeof button.payload !== "string") {
        return;
      }
      var title = typeof button.title === "string" && button.title ? button.title : button.payload;
      var el = document.createElement("button");
      el.type = "button";
      el.className = "choice";
      el.textContent = title;
      el.addEventListener("click", function () {
        if (busy) {
          return;
        }
        Array.prototype.forEach.call(group.querySelectorAll("button"), function (b) {
          b.disabled = true;
        });
        el.classList.add("chosen");
        send(button.payload, title);
      });
      group.appendChild(el);
    });
    log.appendChild(group);
    scrollToEnd();
  }

  function addImage(url) {
    if (!/^https?:\/\//i.test(url)) {
      return;
    }
    var img = document.createElement("img");
    img.className = "msg msg-bot msg-image";
    img.src = url;
    img.alt = "";
    img.loading = "lazy";
    log.appendChild(img);
    scrollToEnd();
  }

  // A lesson's voice note: a player for the OGG/Opus data the server put in the answer.
  function addAudio(audio) {
    if (!audio || typeof audio.src !== "string" || !AUDIO_SOURCE.test(audio.src)) {
      return;
    }
    var label = typeof audio.label === "string" && audio.label ? audio.label : words.voiceNote;
    var box = document.createElement("div");
    box.className = "msg msg-bot msg-audio";
    var player = document.createElement("audio");
    player.controls = true;
    player.preload = "metadata";
    player.src = audio.src;
    player.setAttribute("aria-label", label);
    player.title = label;
    // Without <audio> support, words instead of an empty bubble.
    player.textContent = words.noAudio;
    box.appendChild(player);
    log.appendChild(box);
    scrollToEnd();
  }

  function showReplies(messages) {
    messages.forEach(function (m) {
      if (typeof m.text === "string" && m.text) {
        addLine("bot", m.text);
      }
      if (typeof m.image === "string" && m.image) {
        addImage(m.image);
      }
      if (m.audio) {
        addAudio(m.audio);
      }
      if (Array.isArray(m.buttons) && m.buttons.length) {
        addButtons(m.buttons);
      }
    });
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    log.setAttribute("aria-busy", value ? "true" : "false");
  }

  // Sends `message` to the bot; `shown` is what appears as the person's line
  // (a button's title rather than its payload).
  function send(message, shown) {
    addLine("user", shown);
    var typing = addLine("typing", "…");
    setBusy(true);

    var controller = "AbortController" in window ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;

    fetch(endpoint, {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify({sender: sender, message: message}),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().catch(function () {
        return {};
      }).then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || words.serverError.replace("%(status)s", response.status));
        }
        return data;
      });
    }, function () {
      throw new Error(words.networkError);
    }).then(function (data) {
      typing.remove();
      showReplies(Array.isArray(data.messages) ? data.messages : []);
    }).catch(function (error) {
      typing.remove();
      addLine("error", error.message);
    }).then(function () {
      if (timer) {
        clearTimeout(timer);
      }
      setBusy(false);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) {
      return;
    }
    input.value = "";
    send(text, text);
    input.focus();
  });

  newConversation.addEventListener("click", function (event) {
    event.preventDefault();
    sender = storeSender(newSenderId());
    while (log.firstChild) {
      log.removeChild(log.firstChild);
    }
    addLine("note", words.started);
    input.focus();
  });
})();
