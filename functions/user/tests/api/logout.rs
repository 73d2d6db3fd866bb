use http::Method;
use shared_testing::request;

use crate::helpers::spawn_app;

#[tokio::test]
async fn logout_clears_the_cookie_on_both_paths() {
    let app = spawn_app().await;
    for path in ["/api/login/outLogin", "/api/logout"] {
        let response = app.send(request(Method::POST, path, None, &[])).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.body["success"], true);
        let cookie = &response.set_cookies()[0];
        assert!(cookie.starts_with("jwtToken=;"), "{cookie}");
        assert!(cookie.contains("Max-Age=0"));
        assert!(cookie.contains("HttpOnly"));
    }
}
