import Foundation

// MARK: - RemoteOpenAPI

/// `GET /api/openapi.json`: the remote control's HTTP API described as OpenAPI 3.0, so a show-control system or
/// a technician's tool can read it (as Resolume's `/api/v1/docs/swagger.json`). Built as a dictionary, so it is
/// valid JSON by construction; a test checks that it names every route the API answers.
public enum RemoteOpenAPI {
    public static func document(version: String) -> String {
        let error: [String: Any] = ["description": "an error", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
        let statusReply: [String: Any] = ["description": "the show's status", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Status"]]]]
        let screenParameter: [String: Any] = ["name": "screen", "in": "path", "required": true,
                                              "description": "a screen's name (or its index from 0)", "schema": ["type": "string"]]
        let widthParameter: [String: Any] = ["name": "width", "in": "query", "required": false,
                                             "description": "scale to this width (16–4096), aspect kept", "schema": ["type": "integer", "minimum": 16, "maximum": 4096]]
        func image(_ type: String) -> [String: Any] {
            ["get": ["summary": "What a screen shows now (the portrait), at most 4 a second per client", "operationId": type == "image/png" ? "snapshotPNG" : "snapshotJPEG",
                     "parameters": [screenParameter, widthParameter],
                     "responses": ["200": ["description": "the picture", "content": [type: ["schema": ["type": "string", "format": "binary"]]]],
                                   "400": error, "404": error, "429": error]]]
        }
        let number: [String: Any] = ["type": "number"]
        let screen: [String: Any] = [
            "type": "object",
            "required": ["name", "level", "maximumLevel", "framesPerSecond", "speed", "showTime", "behindSeconds", "sitter", "seed", "framesShown"],
            "properties": [
                "name": ["type": "string"], "level": ["type": "integer", "description": "0: the generator alone; 1: with the refiner; 2: with the painter"],
                "maximumLevel": ["type": "integer"], "framesPerSecond": number,
                "speed": ["type": "number", "description": "the show clock's speed ratio, 0–1"],
                "showTime": ["type": "number", "nullable": true], "behindSeconds": number,
                "sitter": ["type": "integer", "nullable": true, "description": "the keyframe on screen, from 0 (Sitter No. sitter + 1)"],
                "seed": ["type": "integer"], "framesShown": ["type": "integer"],
                "resembles": ["type": "string", "nullable": true, "description": "the training works the sitter resembles (a model with lineage)"],
                "works": ["type": "array", "items": ["type": "object", "properties": ["credit": ["type": "string"], "url": ["type": "string"]]]],
                "stageMilliseconds": ["type": "object", "additionalProperties": number],
                "producers": ["type": "integer"], "threadsEach": ["type": "integer"],
                "aheadFrames": ["type": "integer", "description": "frames assigned beyond the one on screen"],
                "frameMilliseconds": ["type": "number", "description": "what one producer thread takes per frame"],
            ],
        ]
        let status: [String: Any] = [
            "type": "object",
            "required": ["title", "version", "uptime", "open", "nextChange", "paused", "blackout", "model", "screens", "lastError"],
            "properties": [
                "title": ["type": "string"], "version": ["type": "string"], "uptime": number, "open": ["type": "boolean"],
                "nextChange": ["type": "string", "description": "e.g. \"closes Mon 7 Dec 18:00 (Europe/Paris)\"; empty without a schedule"],
                "paused": ["type": "boolean"], "blackout": ["type": "boolean"], "overlay": ["type": "boolean"],
                "speed": ["type": "number", "description": "the live tempo (1: the exhibition's)"], "truncation": number,
                "model": ["type": "object", "properties": ["name": ["type": "string"], "credit": ["type": "string"]]],
                "screens": ["type": "array", "items": ["$ref": "#/components/schemas/Screen"]],
                "lastError": ["type": "string", "nullable": true],
                "lastCommandMilliseconds": ["type": "number", "nullable": true, "description": "from the last command to the first frame on screen that showed it"],
            ],
        ]
        let command: [String: Any] = [
            "type": "object", "required": ["command"],
            "properties": [
                "command": ["type": "string", "enum": RemoteAPI.commandNames],
                "value": ["description": "blackout, overlay: true or false (omitted: toggle); speed: 0.01–100; truncation: 0.05–2",
                          "oneOf": [["type": "boolean"], ["type": "number"]]],
            ],
        ]
        let document: [String: Any] = [
            "openapi": "3.0.3",
            "info": ["title": "Likeness remote control", "version": version,
                     "description": "Watch and steer a running Likeness show. On loopback no token is needed; on any other address every request needs the token the show printed at start (?token=, the likeness_token cookie, or Authorization: Bearer)."],
            "paths": [
                "/api/status": ["get": ["summary": "The show's status", "operationId": "status", "responses": ["200": statusReply, "503": error]]],
                "/api/command": ["post": ["summary": "Apply a command (the same path the keys take); answers once the show applied it",
                                          "operationId": "command",
                                          "requestBody": ["required": true, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Command"]]]],
                                          "responses": ["200": statusReply, "400": error, "415": error, "429": error, "503": error]]],
                "/api/snapshot/{screen}.png": image("image/png"),
                "/api/snapshot/{screen}.jpg": image("image/jpeg"),
                "/metrics": ["get": ["summary": "Prometheus metrics (text format 0.0.4)", "operationId": "metrics",
                                     "responses": ["200": ["description": "metrics", "content": ["text/plain": ["schema": ["type": "string"]]]]]]],
                "/api/openapi.json": ["get": ["summary": "This document", "operationId": "openapi",
                                              "responses": ["200": ["description": "OpenAPI 3", "content": ["application/json": ["schema": ["type": "object"]]]]]]],
                "/": ["get": ["summary": "The control page for a phone", "operationId": "page",
                              "responses": ["200": ["description": "HTML", "content": ["text/html": ["schema": ["type": "string"]]]]]]],
            ],
            "components": [
                "schemas": ["Status": status, "Screen": screen, "Command": command,
                            "Error": ["type": "object", "required": ["error"], "properties": ["error": ["type": "string"]]]],
                "securitySchemes": ["token": ["type": "http", "scheme": "bearer"],
                                    "cookie": ["type": "apiKey", "in": "cookie", "name": "likeness_token"]],
            ],
            "security": [[:], ["token": []], ["cookie": []]],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
